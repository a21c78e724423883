"""Batched greedy generation through the chat template when there is one, on
``modeling.model_device()``.

The decoding loop is our own rather than ``model.generate`` for two savings that leave the
greedy hypotheses unchanged (argmax of the same logits, float32 checked against
``model.generate`` in tests/test_generation.py):

- the tokens every prompt starts with (chat template, system prompt, task instruction) are
  run through the model once; each batch starts from a copy of that key/value cache;
- a sequence leaves the batch the step it ends (end-of-sequence token, stop string or
  ``max_new_tokens``), so one long or runaway answer no longer keeps the whole batch decoding.

Measured on SmolLM2-135M, 100 en->gl translation prompts (63 prompt tokens on average, 35 of
them shared), fp32, one thread: ``model.generate`` 40.7 s at 32 prompts a batch; this loop
26.2 s at 32 and 22.6 s at 64, with the same hypotheses.
"""

import copy

import torch

from langadapt import modeling
from langadapt.progress import progress_batches


def has_chat_template(tokenizer) -> bool:
    return bool(getattr(tokenizer, "chat_template", None))


def format_prompt(tokenizer, prompt: str) -> str:
    """The text the model sees: the chat template's user turn + assistant header, or the prompt."""
    if has_chat_template(tokenizer):
        return tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
        )
    return prompt


def shared_prefix_length(sequences: list[list[int]]) -> int:
    """Tokens all ``sequences`` start with, leaving each at least one token of its own."""
    if not sequences:
        return 0
    length = min(len(ids) for ids in sequences) - 1
    first = sequences[0]
    for ids in sequences[1:]:
        same = 0
        while same < length and ids[same] == first[same]:
            same += 1
        length = same
    return max(length, 0)


def stop_token_ids(model, tokenizer) -> set[int]:
    """End-of-sequence ids of the generation config and the tokenizer, and its end-of-turn
    tokens (``<|im_end|>``, ...)."""
    from langadapt.chat_formats import end_of_turn_ids

    ids = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids = set(ids if isinstance(ids, list | tuple) else [] if ids is None else [ids])
    ids |= end_of_turn_ids(tokenizer)
    if tokenizer.eos_token_id is not None:
        ids.add(tokenizer.eos_token_id)
    return ids


def _left_pad(sequences: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(ids) for ids in sequences)
    input_ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, ids in enumerate(sequences):
        if ids:
            input_ids[row, width - len(ids):] = torch.tensor(ids)
            mask[row, width - len(ids):] = 1
    return input_ids, mask


def _decode_batch(model, tokenizer, prefix_cache, prefix_length: int, suffixes: list[list[int]],
                  max_new_tokens: int, stops: set[int], stop_strings: list[str],
                  device) -> list[list[int]]:
    """Greedy new tokens of each prompt (prefix shared through ``prefix_cache``)."""
    input_ids, suffix_mask = _left_pad(suffixes, tokenizer.pad_token_id)
    mask = torch.cat([torch.ones((len(suffixes), prefix_length), dtype=torch.long), suffix_mask],
                     dim=1).to(device)
    cache = None
    if prefix_cache is not None:
        cache = copy.deepcopy(prefix_cache)
        cache.batch_repeat_interleave(len(suffixes))
    positions = (mask.cumsum(-1) - 1).clamp(min=0)[:, prefix_length:]
    step_input = input_ids.to(device)
    active = list(range(len(suffixes)))  # rows still decoding, in cache order
    new_tokens: list[list[int]] = [[] for _ in suffixes]
    while active:
        output = model(input_ids=step_input, attention_mask=mask, position_ids=positions,
                       past_key_values=cache, use_cache=True, logits_to_keep=1)
        cache = output.past_key_values
        chosen = output.logits[:, -1].argmax(dim=-1).tolist()
        keep = []
        for slot, (row, token) in enumerate(zip(active, chosen, strict=True)):
            if token in stops:
                continue
            new_tokens[row].append(token)
            if len(new_tokens[row]) >= max_new_tokens:
                continue
            if stop_strings:
                text = tokenizer.decode(new_tokens[row], skip_special_tokens=True)
                if any(stop in text for stop in stop_strings):
                    continue
            keep.append(slot)
        if not keep:
            break
        if len(keep) < len(active):
            index = torch.tensor(keep, device=device)
            cache.batch_select_indices(index)
            mask, positions = mask[index], positions[index]
            chosen = [chosen[slot] for slot in keep]
            active = [active[slot] for slot in keep]
        mask = torch.cat([mask, torch.ones((len(active), 1), dtype=mask.dtype, device=device)],
                         dim=1)
        positions = positions[:, -1:] + 1
        step_input = torch.tensor(chosen, device=device).unsqueeze(1)
    return new_tokens


@torch.no_grad()
def generate(model, tokenizer, prompts: list[str], max_new_tokens: int, batch_size: int = 8,
             stop_strings: list[str] | None = None) -> list[str]:
    """Greedy continuations of ``prompts`` (new text only, special tokens removed, stripped).

    Prompts are sorted by length so that batches pad little; the output keeps input order.
    ``stop_strings`` end a sequence early (e.g. a newline for one-line translations).
    """
    texts = [format_prompt(tokenizer, prompt) for prompt in prompts]
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    # A chat template already holds the special tokens it needs.
    add_special = not has_chat_template(tokenizer)
    encoded = [tokenizer(text, add_special_tokens=add_special)["input_ids"] for text in texts]
    prefix_length = shared_prefix_length(encoded)
    device = modeling.model_device()
    model.eval()
    prefix_cache = None
    if prefix_length:
        prefix = torch.tensor([encoded[0][:prefix_length]], device=device)
        prefix_cache = model(input_ids=prefix, use_cache=True, logits_to_keep=1).past_key_values
    stops = stop_token_ids(model, tokenizer)
    order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
    outputs: list[str] = [""] * len(texts)
    for start in progress_batches(len(order), batch_size, "generate", "prompts"):
        indices = order[start: start + batch_size]
        tokens = _decode_batch(model, tokenizer, prefix_cache, prefix_length,
                               [encoded[i][prefix_length:] for i in indices], max_new_tokens,
                               stops, stop_strings or [], device)
        for index, new in zip(indices, tokens, strict=True):
            outputs[index] = tokenizer.decode(new, skip_special_tokens=True).strip()
    return outputs
