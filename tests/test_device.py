"""Device placement in one place: every model-running step asks ``modeling.model_device()``.

The function is replaced by a recorder that answers "cpu" and counts calls; each step must
call it (to place the model or its inputs). A step that hard-codes a device fails here.
"""

import pytest
import torch
from langadapt import modeling


@pytest.fixture
def device_calls(monkeypatch):
    calls = []

    def recorder():
        calls.append(1)
        return torch.device("cpu")

    monkeypatch.setattr(modeling, "model_device", recorder)
    return calls


def test_default_device_is_cpu_without_a_gpu():
    assert modeling.model_device().type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_every_model_running_step_uses_model_device(device_calls, tiny_model_dir, fixture_dir,
                                                    tmp_path):
    from langadapt.eval.bpc import evaluate_bpc
    from langadapt.eval.data import build_eval_data
    from langadapt.eval.generation import generate
    from langadapt.eval.lm_eval_tasks import run_lm_eval
    from langadapt.mt import get_translator
    from langadapt.perplexity import line_perplexities, load_scorer

    def uses_device(step):
        device_calls.clear()
        result = step()
        assert device_calls, f"{step.__name__} did not ask modeling.model_device()"
        return result

    tokenizer = modeling.load_tokenizer(tiny_model_dir)

    def load():
        return modeling.load_inference_model(tiny_model_dir, tokenizer=tokenizer)

    model = uses_device(load)
    documents = {"target": [{"id": "d", "text": "Abre o menú Ficheiro."}]}

    def bpc():
        return evaluate_bpc(model, tokenizer, documents, window=8)

    def generation():
        return generate(model, tokenizer, ["Translate: a"], max_new_tokens=2)

    evaluation = {"bpc_chars": 200, "bpc_document_chars": 100, "multiple_choice_items": 4,
                  "instruction_prompts": 1}
    build_eval_data(fixture_dir / "eval_test_split.jsonl", tmp_path, evaluation,
                    {"code": "gl", "name": "Galician"})

    def harness():
        return run_lm_eval(model, tokenizer, tmp_path / "lm_eval",
                           ["langadapt_translation_choice_gl"], batch_size=4, limit=2)

    def perplexity_filter():
        scorer, scorer_tokenizer = load_scorer(tiny_model_dir, dtype="float32")
        return line_perplexities(["Abre o menú."], scorer, scorer_tokenizer)

    def causal_mt():
        translator = get_translator({"backend": "causal_lm", "model": str(tiny_model_dir)})
        translator.max_new_tokens = 2
        return translator.translate(["Open the menu."])

    for step in (bpc, generation, harness, perplexity_filter, causal_mt):
        uses_device(step)
