"""Evaluation as the papers scored it: spBLEU (flores SentencePiece tokenizer, on a tiny
stand-in model: sacrebleu's real flores101 model cannot be downloaded on this offline machine),
COMET's code path (stand-in model object: no COMET model offline), and harness tasks from an
extra include path with a per-task few-shot count."""

import json
import os

import pytest
from langadapt.errors import LangadaptError
from langadapt.eval import comet as comet_module
from langadapt.eval import translation
from langadapt.eval.lm_eval_tasks import run_lm_eval, write_multiple_choice_task
from langadapt.modeling import load_model, load_tokenizer
from langadapt.textio import read_jsonl

HYPOTHESES = ["O gato está na casa.", "Abre o ficheiro no menu.", "Boas noites a todos."]
REFERENCES = ["O gato está na casa.", "Abra o ficheiro desde o menú.", "Boa noite a todos."]


@pytest.fixture(scope="module")
def spm_model(tmp_path_factory, fixture_dir):
    """A tiny SentencePiece model (stand-in for sacrebleu's flores101 model)."""
    import sentencepiece

    root = tmp_path_factory.mktemp("spm")
    lines = [r["target"] for r in read_jsonl(fixture_dir / "clean_train.jsonl") if r.get("target")]
    (root / "text.txt").write_text("\n".join(lines + REFERENCES) + "\n", encoding="utf-8")
    sentencepiece.SentencePieceTrainer.train(
        input=str(root / "text.txt"), model_prefix=str(root / "tiny"), vocab_size=120,
        character_coverage=1.0, model_type="unigram", minloglevel=2)
    return root / "tiny.model"


def test_spbleu_scores_sentencepiece_pieces_with_the_flores_signature(spm_model):
    import sentencepiece
    from sacrebleu.metrics import BLEU

    spec = {"enabled": True, "tokenizer": "flores101", "spm_model": str(spm_model)}
    scores = translation.score(HYPOTHESES, REFERENCES, spec)
    assert set(scores) == {"bleu", "chrf++", "spbleu"}
    assert "tok:flores101" in scores["spbleu"]["signature"]
    # the same number as BLEU over the pieces the model cuts (what sacrebleu's spm tokenizer does)
    processor = sentencepiece.SentencePieceProcessor(model_file=str(spm_model))
    pieces = [" ".join(processor.encode(line, out_type=str)) for line in HYPOTHESES]
    reference_pieces = [" ".join(processor.encode(line, out_type=str)) for line in REFERENCES]
    expected = BLEU(tokenize="none").corpus_score(pieces, [reference_pieces]).score
    assert scores["spbleu"]["score"] == pytest.approx(expected)
    assert scores["spbleu"]["score"] != pytest.approx(scores["bleu"]["score"])
    assert translation.score(HYPOTHESES, REFERENCES, {"enabled": False}).keys() == {"bleu",
                                                                                     "chrf++"}


def test_spbleu_missing_model_names_the_key(tmp_path):
    with pytest.raises(LangadaptError) as caught:
        translation.spbleu_metric("flores101", tmp_path / "missing.model")
    assert str(caught.value).startswith("config key 'evaluation.spbleu.spm_model':")


class StandInComet:
    """Stand-in with COMET's predict interface (offline: no COMET model): chrF per segment."""

    hparams = {"pretrained_model": "stand-in"}

    def predict(self, samples, batch_size, gpus, progress_bar):
        from types import SimpleNamespace

        self.gpus = gpus

        from sacrebleu.metrics import CHRF

        scores = [CHRF().sentence_score(s["mt"], [s["ref"]]).score / 100 for s in samples]
        return SimpleNamespace(scores=scores, system_score=sum(scores) / len(scores))


def test_comet_runs_on_the_jobs_device(monkeypatch):
    import torch
    from langadapt import modeling

    comet = StandInComet()
    comet_module.comet_score(comet, ["a"], HYPOTHESES[:1], REFERENCES[:1])
    assert comet.gpus == 0  # this machine: CPU
    monkeypatch.setattr(modeling, "model_device", lambda: torch.device("cuda", 0))
    comet_module.comet_score(comet, ["a"], HYPOTHESES[:1], REFERENCES[:1])
    assert comet.gpus == 1


def test_comet_code_path_on_a_stand_in(tmp_path):
    result = comet_module.comet_score(StandInComet(), ["a", "b", "c"], HYPOTHESES, REFERENCES)
    assert len(result["segments"]) == 3 and result["segments"][0] == pytest.approx(1.0)
    assert 0 < result["score"] < 100
    with pytest.raises(LangadaptError, match="evaluation.comet_model"):
        comet_module.load_comet(tmp_path)  # no checkpoints/model.ckpt


def test_include_path_task_with_per_task_few_shot(tmp_path, tiny_model_dir):
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    items = tmp_path / "items.jsonl"
    with open(items, "w", encoding="utf-8") as handle:
        for i in range(6):
            choices = [f"resposta {j} {i}" for j in range(4)]
            handle.write(json.dumps({"en": f"answer {i}", "choices": choices, "answer": i % 4})
                         + "\n")
    external = tmp_path / "external_tasks"
    write_multiple_choice_task(external / "basque_like.yaml", "basque_like_mc", items, "Galician")
    builtin = tmp_path / "own"
    write_multiple_choice_task(builtin / "own.yaml", "own_mc", items, "Galician")
    tokenizer = load_tokenizer(tiny_model_dir)
    model = load_model(tiny_model_dir, tokenizer=tokenizer)
    result = run_lm_eval(model, tokenizer, builtin, ["own_mc"], batch_size=4,
                         extra_tasks=[{"name": "basque_like_mc", "num_fewshot": 2}],
                         include_paths=[str(external)])
    assert set(result["tasks"]) == {"own_mc", "basque_like_mc"}
    assert result["n_shot"]["basque_like_mc"] == 2
    assert result["n_shot"]["own_mc"] == 0
