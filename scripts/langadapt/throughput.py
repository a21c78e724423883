"""Characters per second of one checkpoint (rule ``vocab_throughput``): the unit in which
tokenizers with different vocabularies compare, since a token of an extended vocabulary
carries more text.

- generation: greedy decoding of exactly ``max_new_tokens`` tokens (``min_new_tokens`` keeps
  EOS from ending early) after each held-out target prompt, batch 1, timed per prompt after
  one untimed warm-up; characters are those of the decoded continuation.
- training (CPT cells): tokens/s from the cell's ``train_log.csv`` (last row: tokens seen,
  elapsed seconds) times characters per token of the cell's mixture (every sequence, or 64 evenly
  spaced ones of a larger cell), decoded with the cell's own tokenizer.

Generation is timed with ``threads`` torch threads (1 in the workflow): on a shared CPU two
spinning OpenMP threads made one SmolLM2 forward pass 25x slower (17 s against 0.7 s), which
would measure the neighbours, not the tokenizer.
"""

import csv
import time

import numpy as np
import torch

from langadapt.errors import file_error
from langadapt.textio import read_jsonl, write_json

PROMPT_WORDS = 12  # words of held-out target text each generation starts from


def held_out_prompts(test_path, count: int, field: str = "target") -> list[str]:
    """The first ``PROMPT_WORDS`` words of the first ``count`` target paragraphs."""
    prompts = []
    for record in read_jsonl(test_path):
        words = (record.get(field) or "").split()
        if len(words) >= 3:
            prompts.append(" ".join(words[:PROMPT_WORDS]))
        if len(prompts) == count:
            return prompts
    if not prompts:
        raise file_error(test_path, f"no '{field}' text of three words or more for prompts")
    return prompts


@torch.no_grad()
def generation_speed(model, tokenizer, prompts: list[str], max_new_tokens: int) -> dict:
    """Per-prompt and overall generated characters (and tokens) per second."""
    model.eval()

    def run(prompt: str, new_tokens: int):
        encoded = tokenizer(prompt, return_tensors="pt")
        started = time.perf_counter()
        output = model.generate(**encoded, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                                do_sample=False, pad_token_id=tokenizer.pad_token_id)
        seconds = time.perf_counter() - started
        continuation = output[0, encoded["input_ids"].shape[1]:]
        text = tokenizer.decode(continuation, skip_special_tokens=True)
        return len(text), len(continuation), seconds

    run(prompts[0], 2)  # warm-up: first-call allocations are not the tokenizer's cost
    chars, tokens, seconds = zip(*(run(prompt, max_new_tokens) for prompt in prompts), strict=True)
    return {
        "prompts": len(prompts),
        "max_new_tokens": max_new_tokens,
        "chars_per_s": sum(chars) / sum(seconds),
        "tokens_per_s": sum(tokens) / sum(seconds),
        "chars_per_token": sum(chars) / max(sum(tokens), 1),
        "per_prompt_chars_per_s": [c / s for c, s in zip(chars, seconds, strict=True)],
    }


def training_speed(train_log, mixture, tokenizer, sample_sequences: int = 64) -> dict:
    """Training tokens/s of a finished cell and the characters/s they amount to."""
    with open(train_log, newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row.get("tokens_seen")]
    if not rows or not float(rows[-1].get("elapsed_s") or 0):
        raise file_error(train_log, "no row with tokens_seen and elapsed_s to time training by")
    tokens_per_s = float(rows[-1]["tokens_seen"]) / float(rows[-1]["elapsed_s"])
    from langadapt.mixture import MixtureIndex

    index = MixtureIndex(mixture)  # characters per token over evenly spaced sequences
    count = min(sample_sequences, len(index))
    numbers = np.unique(np.linspace(0, len(index) - 1, count).astype(int))
    ids = np.concatenate([index.sequence(int(number)) for number in numbers])
    characters = len(tokenizer.decode(ids.tolist(), skip_special_tokens=True))
    chars_per_token = characters / len(ids)
    return {"tokens_per_s": tokens_per_s, "chars_per_token": chars_per_token,
            "chars_per_s": tokens_per_s * chars_per_token}


def measure_checkpoint(model_dir, test_path, prompts: int, max_new_tokens: int, out_path,
                       dtype: str = "float32", train_log=None, mixture=None,
                       threads: int = 1) -> dict:
    """Generation (and, for a CPT cell, training) characters/s of ``model_dir``."""
    from langadapt.modeling import load_model, load_tokenizer

    torch.set_num_threads(threads)
    tokenizer = load_tokenizer(model_dir)
    model = load_model(model_dir, dtype=dtype, tokenizer=tokenizer)
    torch.manual_seed(0)
    result = {"model": str(model_dir), "vocabulary": len(tokenizer), "dtype": dtype,
              "threads": threads,
              "generation": generation_speed(model, tokenizer,
                                             held_out_prompts(test_path, prompts), max_new_tokens)}
    if train_log and mixture:
        result["training"] = training_speed(train_log, mixture, tokenizer)
    write_json(out_path, result)
    return result
