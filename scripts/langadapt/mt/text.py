"""Text preparation shared by the MT backends."""

import re

_TAG = re.compile(r"<[^<>]{0,200}>")
_SPACE = re.compile(r"\s+")


def clean_line(line: str) -> str:
    """Plain one-line text: drop inline markup tags, fold newlines/tabs/runs of spaces."""
    return _SPACE.sub(" ", _TAG.sub(" ", line or "")).strip()


def batches(items: list, size: int):
    """Consecutive slices of ``items`` of at most ``size`` elements."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def length_sorted_batches(items: list[str], size: int) -> list[tuple[list[int], list[str]]]:
    """(positions, items) batches of at most ``size`` items of similar length, longest first.

    A padded batch costs what its longest item costs; sorting by length keeps the padding (and
    a batch's decoding steps) close to what each item needs. Write outputs back by position.
    """
    order = sorted(range(len(items)), key=lambda index: -len(items[index]))
    return [(order[start : start + size], [items[index] for index in order[start : start + size]])
            for start in range(0, len(order), size)]


def count_cut_outputs(generated, eos_token_id, max_new_tokens: int, prompt_length: int = 0) -> int:
    """Rows of ``generated`` that reached ``max_new_tokens`` new tokens without an EOS (cut)."""
    import torch

    new_tokens = generated[:, prompt_length:]
    if new_tokens.shape[1] < max_new_tokens or eos_token_id is None:
        return 0
    ids = list(eos_token_id) if isinstance(eos_token_id, list | tuple) else [eos_token_id]
    return int((~torch.isin(new_tokens, torch.tensor(ids)).any(dim=1)).sum())
