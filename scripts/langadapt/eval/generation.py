"""Batched greedy generation with left padding and the KV cache, through the chat template when
there is one, on ``modeling.model_device()``."""

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


@torch.no_grad()
def generate(model, tokenizer, prompts: list[str], max_new_tokens: int, batch_size: int = 8,
             stop_strings: list[str] | None = None) -> list[str]:
    """Greedy continuations of ``prompts`` (new text only, special tokens removed, stripped).

    Prompts are sorted by length so that batches pad little; the output keeps input order.
    ``stop_strings`` end a sequence early (e.g. a newline for one-line translations).
    """
    texts = [format_prompt(tokenizer, prompt) for prompt in prompts]
    padding_side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    # A chat template already holds the special tokens it needs.
    add_special = not has_chat_template(tokenizer)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    device = modeling.model_device()
    outputs: list[str] = [""] * len(texts)
    model.eval()
    try:
        for start in progress_batches(len(order), batch_size, "generate", "prompts"):
            indices = order[start: start + batch_size]
            batch = tokenizer([texts[i] for i in indices], return_tensors="pt", padding=True,
                              add_special_tokens=add_special).to(device)
            extra = {"stop_strings": stop_strings, "tokenizer": tokenizer} if stop_strings else {}
            generated = model.generate(
                **batch, max_new_tokens=max_new_tokens, do_sample=False, use_cache=True,
                pad_token_id=tokenizer.pad_token_id, **extra,
            )
            new_tokens = generated[:, batch["input_ids"].shape[1]:]
            for index, tokens in zip(indices, new_tokens, strict=True):
                outputs[index] = tokenizer.decode(tokens, skip_special_tokens=True).strip()
    finally:
        tokenizer.padding_side = padding_side
    return outputs
