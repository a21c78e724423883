"""Bits per character on held-out documents, in float32, with a bootstrap interval.

bits/char = (sum over predicted tokens of -ln p(token | context)) / ln 2 / characters.
Dividing by characters, not tokens, makes models with different tokenizers comparable. Each
document is tokenised on its own and cut into windows of ``window`` tokens; each window is
preceded by the BOS (or EOS) token so that its first token is predicted too. Every token is
predicted exactly once. Windows of all documents are scored in length-sorted batches without
gradients, on ``modeling.model_device()``; the output head and its float32 log-softmax run over
``perplexity.CHUNK_POSITIONS`` positions at a time, never over [batch, window, vocabulary].

Scores are computed from float32 weights whatever dtype generation uses (bf16 rounding moves
bpc in the third decimal). The 95 % interval is a percentile bootstrap over documents of the
ratio sum(bits) / sum(characters); per-document bits and characters are kept so that the
paper stage can pair two checkpoints document by document.
"""

import math

import numpy as np
import torch

from langadapt import modeling
from langadapt.perplexity import _token_nll
from langadapt.progress import progress_batches

UNIT = "document"


def _start_token_id(tokenizer) -> int:
    for token_id in (tokenizer.bos_token_id, tokenizer.eos_token_id):
        if token_id is not None:
            return token_id
    raise ValueError("tokenizer has neither a BOS nor an EOS token to start windows with")


def check_float32(model) -> None:
    dtype = next(model.parameters()).dtype
    if dtype != torch.float32:
        raise ValueError(f"bits per character is computed from float32 weights; the model is "
                         f"{dtype} (load it in float32 and cast after scoring)")


@torch.no_grad()
def document_nll(model, tokenizer, texts: list[str], window: int = 256,
                 batch_size: int = 8) -> list[tuple[float, int]]:
    """[(sum of token NLL in nats, number of tokens)] for each text of ``texts``."""
    start = _start_token_id(tokenizer)
    encoded = tokenizer(list(texts), add_special_tokens=False)["input_ids"] if texts else []
    windows = [(doc, [start] + ids[i: i + window])
               for doc, ids in enumerate(encoded) for i in range(0, len(ids), window)]
    windows.sort(key=lambda item: len(item[1]))
    nll = [0.0] * len(encoded)
    device = modeling.model_device()
    model.eval()
    for first in progress_batches(len(windows), batch_size, "bits per char", "windows"):
        batch = windows[first: first + batch_size]
        length = max(len(w) for _, w in batch)
        input_ids = torch.full((len(batch), length), start, dtype=torch.long)
        mask = torch.zeros((len(batch), length), dtype=torch.long)
        for row, (_, w) in enumerate(batch):
            input_ids[row, : len(w)] = torch.tensor(w)
            mask[row, : len(w)] = 1
        token_nll = _token_nll(model, input_ids.to(device), mask.to(device)).double().sum(dim=1)
        for (doc, _), value in zip(batch, token_nll.cpu().tolist(), strict=True):
            nll[doc] += value
    return [(nll[doc], len(ids)) for doc, ids in enumerate(encoded)]


def total_nll(model, tokenizer, text: str, window: int = 256,
              batch_size: int = 8) -> tuple[float, int]:
    """(sum of token negative log-likelihoods in nats, number of tokens) for ``text``."""
    return document_nll(model, tokenizer, [text], window, batch_size)[0]


def bits_per_char(model, tokenizer, text: str, window: int = 256, batch_size: int = 8) -> dict:
    """Bits per character of one ``text`` plus the numbers it is computed from."""
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


def bootstrap_interval(bits, characters, resamples: int = 1000, seed: int = 1,
                       level: float = 0.95) -> list[float] | None:
    """Percentile bootstrap interval of sum(bits) / sum(characters), resampling documents."""
    bits, characters = np.asarray(bits, dtype=float), np.asarray(characters, dtype=float)
    if len(bits) < 2 or resamples <= 0:
        return None
    rows = np.random.default_rng(seed).integers(0, len(bits), size=(resamples, len(bits)))
    ratios = bits[rows].sum(axis=1) / np.maximum(characters[rows].sum(axis=1), 1)
    tail = (1 - level) / 2 * 100
    return [float(np.percentile(ratios, tail)), float(np.percentile(ratios, 100 - tail))]


def documents_bpc(model, tokenizer, documents: list[dict], window: int = 256,
                  batch_size: int = 8, resamples: int = 1000) -> dict:
    """Bits per character over ``documents`` (``{"id", "text"}``) with its 95 % interval."""
    texts = [document["text"] for document in documents]
    scored = document_nll(model, tokenizer, texts, window, batch_size)
    per_document = [{"id": str(document["id"]), "bits": nll / math.log(2), "tokens": tokens,
                     "characters": len(text)}
                    for document, text, (nll, tokens) in zip(documents, texts, scored,
                                                               strict=True)]
    nll = sum(value for value, _ in scored)
    tokens = sum(count for _, count in scored)
    characters = sum(len(text) for text in texts)
    return {
        "bits_per_char": nll / math.log(2) / characters if characters else float("nan"),
        "ci95": bootstrap_interval([d["bits"] for d in per_document],
                                   [d["characters"] for d in per_document], resamples),
        "nll_nats": nll,
        "tokens": tokens,
        "characters": characters,
        "chars_per_token": characters / tokens if tokens else float("nan"),
        "window": window,
        "unit": UNIT,
        "bootstrap_resamples": resamples,
        "dtype": "float32",
        "documents": per_document,
    }


def evaluate_bpc(model, tokenizer, sets: dict[str, list[dict]], window: int = 256,
                 batch_size: int = 8, resamples: int = 1000) -> dict:
    """``{set name: documents_bpc(...)}`` for the held-out sets of ``bpc.json`` (float32 only)."""
    check_float32(model)
    return {name: documents_bpc(model, tokenizer, documents, window, batch_size, resamples)
            for name, documents in sets.items()}
