"""A lower bound on one evaluation's time: the tokens it must push through the model, over the
model's own forward throughput on one thread (what an evaluation job gets).

Counted (from the base model's evaluation in the end-to-end run): the bits-per-char tokens and
the translation sources plus hypotheses (float32), and the multiple-choice harness requests,
context + choice (bfloat16). Left out, so the bound stays a lower bound: the chat template and
task line around each translation, the instruction suite, attention over the growing cache,
process start-up and model load.
"""

import json
from pathlib import Path

import torch

from langadapt.bench.figures import best_of
from langadapt.eval.lm_eval_tasks import multiple_choice_context


def evaluation_tokens(eval_dir, eval_data_dir, tokenizer, language_name: str) -> dict[str, int]:
    """``{"float32": tokens, "bfloat16": tokens}`` of one checkpoint's evaluation (see module)."""
    eval_dir, eval_data_dir = Path(eval_dir), Path(eval_data_dir)

    def count(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    bpc = json.loads((eval_dir / "bpc.json").read_text())["bpc"]
    fp32 = sum(int(values["tokens"]) for values in bpc.values())
    translation = json.loads((eval_dir / "translation.json").read_text())["directions"]
    for direction in translation.values():
        fp32 += sum(count(row["source"]) + count(row["hypothesis"])
                    for row in direction["hypotheses"])
    bf16 = 0
    with open(eval_data_dir / "multiple_choice.jsonl", encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            context = count(multiple_choice_context(item["en"], language_name))
            bf16 += sum(context + count(" " + choice) for choice in item["choices"])
    return {"float32": fp32, "bfloat16": bf16}


@torch.no_grad()
def forward_tokens_per_s(model, dtype: torch.dtype, batch: int = 32, length: int = 64,
                         repeats: int = 3) -> float:
    """Tokens/s of a plain forward pass over ``batch x length`` tokens on one thread, best of
    ``repeats``; ``model`` is cast to ``dtype`` (and left so)."""
    model.to(dtype).eval()
    ids = torch.randint(0, model.config.vocab_size, (batch, length))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model(input_ids=ids)  # warm-up
        seconds = best_of(lambda: model(input_ids=ids), repeats)
    finally:
        torch.set_num_threads(threads)
    return batch * length / seconds
