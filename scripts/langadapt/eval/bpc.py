"""Bits per character on held-out text (rule ``eval_checkpoint``).

bits/char = (sum over predicted tokens of -ln p(token | context)) / ln 2 / characters.
Dividing by characters, not tokens, makes models with different tokenizers comparable. The
text is tokenised once and cut into fixed windows of ``window`` tokens; each window is preceded
by the BOS (or EOS) token so that its first token is predicted too. Every token is predicted
exactly once. Windows are scored in batches without gradients.
"""

import math

import torch

from langadapt.progress import progress_batches


def _start_token_id(tokenizer) -> int:
    for token_id in (tokenizer.bos_token_id, tokenizer.eos_token_id):
        if token_id is not None:
            return token_id
    raise ValueError("tokenizer has neither a BOS nor an EOS token to start windows with")


@torch.no_grad()
def total_nll(model, tokenizer, text: str, window: int = 256,
              batch_size: int = 8) -> tuple[float, int]:
    """(sum of token negative log-likelihoods in nats, number of tokens) for ``text``."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if not ids:
        return 0.0, 0
    start = _start_token_id(tokenizer)
    windows = [[start] + ids[i: i + window] for i in range(0, len(ids), window)]
    model.eval()
    nll = 0.0
    for first in progress_batches(len(windows), batch_size, "bits per char", "windows"):
        batch = windows[first: first + batch_size]
        length = max(len(w) for w in batch)
        input_ids = torch.full((len(batch), length), start, dtype=torch.long)
        mask = torch.zeros((len(batch), length), dtype=torch.long)
        for row, w in enumerate(batch):
            input_ids[row, : len(w)] = torch.tensor(w)
            mask[row, : len(w)] = 1
        logits = model(input_ids=input_ids, attention_mask=mask).logits.float()
        log_probs = torch.log_softmax(logits[:, :-1], dim=-1)
        targets = input_ids[:, 1:]
        token_ll = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        nll -= (token_ll * mask[:, 1:]).sum().item()
    return nll, len(ids)


def bits_per_char(model, tokenizer, text: str, window: int = 256, batch_size: int = 8) -> dict:
    """Bits per character of ``text`` plus the numbers it is computed from."""
    nll, tokens = total_nll(model, tokenizer, text, window=window, batch_size=batch_size)
    characters = len(text)
    return {
        "bits_per_char": nll / math.log(2) / characters if characters else float("nan"),
        "nll_nats": nll,
        "tokens": tokens,
        "characters": characters,
        "chars_per_token": characters / tokens if tokens else float("nan"),
        "window": window,
    }


def evaluate_bpc(model, tokenizer, texts: dict[str, str], window: int = 256,
                 batch_size: int = 8) -> dict:
    """``{"target": {...}, "english": {...}}`` for the held-out texts of ``bpc.json``."""
    return {name: bits_per_char(model, tokenizer, text, window, batch_size)
            for name, text in texts.items()}
