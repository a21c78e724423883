"""Per-line perplexity under a reference causal LM: batched by token count, no grad.

Each line is scored after a start token (bos, else eos) so that its first token is
predicted too; lines are sorted by length so batches carry little padding.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

from langadapt import modeling
from langadapt.modeling import load_tokenizer
from langadapt.progress import progress


def load_scorer(model_dir, dtype: str = "bfloat16"):
    """The reference model (validated, safetensors only) and its tokenizer, in eval mode.

    bfloat16 by default: ~4x faster than float32 on CPUs with AVX512-BF16 (and on GPUs), and
    ranking lines by perplexity does not need float32 precision.
    """
    tokenizer = load_tokenizer(model_dir)
    model = modeling.load_inference_model(model_dir, dtype=dtype, tokenizer=tokenizer)
    return model, tokenizer


def length_batches(order, lengths, batch_tokens: int) -> list[list[int]]:
    """Split ``order`` (ascending length) into batches of at most ``batch_tokens`` padded tokens."""
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        if current and lengths[index] * (len(current) + 1) > batch_tokens:
            batches.append(current)
            current = []
        current.append(int(index))
    if current:
        batches.append(current)
    return batches


# Positions whose logits exist at once: [CHUNK_POSITIONS, vocab] in float32 is 0.5 GB at a
# 128k vocabulary, where a whole batch (8 windows of 4096 tokens) would be 17 GB.
CHUNK_POSITIONS = 1024


def _token_nll(model, ids: torch.Tensor, mask: torch.Tensor,
               chunk: int = CHUNK_POSITIONS) -> torch.Tensor:
    """[batch, width - 1] NLL of each next token (0 at padding).

    The output head runs only on real positions, ``chunk`` positions at a time (logits and
    their float32 log-softmax never exist for the whole batch), which keeps a large vocabulary
    cheap; models with logit post-processing (soft-capping) go through the full forward instead.
    """
    valid = mask[:, 1:].bool()
    targets = ids[:, 1:][valid]
    nll = torch.zeros(valid.shape, dtype=torch.float32, device=ids.device)
    head = model.get_output_embeddings()
    if head is None or getattr(model.config, "final_logit_softcapping", None):
        logits = model(input_ids=ids, attention_mask=mask, use_cache=False).logits[:, :-1][valid]
        nll[valid] = F.cross_entropy(logits.float(), targets, reduction="none")
        return nll
    hidden = model.base_model(input_ids=ids, attention_mask=mask, use_cache=False).last_hidden_state
    hidden = hidden[:, :-1][valid]
    values = [F.cross_entropy(head(hidden[first: first + chunk]).float(),
                              targets[first: first + chunk], reduction="none")
              for first in range(0, len(targets), chunk)]
    nll[valid] = torch.cat(values) if values else nll[valid]
    return nll


@torch.inference_mode()
def line_perplexities(
    texts: list[str], model, tokenizer, batch_tokens: int = 2048, max_tokens: int = 128
) -> np.ndarray:
    """exp(mean token NLL) of every line (inf for a line with no tokens)."""
    start = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else start
    encoded = tokenizer(list(texts), add_special_tokens=False)["input_ids"]
    sequences = [[start] + ids[: max_tokens - 1] for ids in encoded]
    order = np.argsort([len(seq) for seq in sequences], kind="stable")
    device = modeling.model_device()
    result = np.full(len(texts), math.inf)
    batches = length_batches(order, [len(seq) for seq in sequences], batch_tokens)
    for chosen in progress(batches, "perplexity", len(sequences), "lines", len):
        width = max(len(sequences[i]) for i in chosen)
        ids = torch.full((len(chosen), width), pad, dtype=torch.long)
        mask = torch.zeros((len(chosen), width), dtype=torch.long)
        for row, index in enumerate(chosen):
            seq = sequences[index]
            ids[row, : len(seq)] = torch.tensor(seq)
            mask[row, : len(seq)] = 1
        nll = _token_nll(model, ids.to(device), mask.to(device)).cpu()
        counts = mask[:, 1:].sum(dim=1)
        mean = (nll.sum(dim=1) / counts.clamp(min=1)).numpy()
        for row, index in enumerate(chosen):
            if counts[row] > 0:
                result[index] = math.exp(mean[row])
    return result
