"""Continual pre-training mixtures: sample documents from tokenised corpora and pack them.

Semantics (one grid cell ``ratio / tokens / synth``):

* The budget ``B`` is rounded to whole sequences: ``n = round(B / seq_len)``, ``n * seq_len``
  tokens are packed.
* The target-language share ``ratio * n * seq_len`` is split over the target corpora (real,
  mt, translit) in proportion to ``weight * corpus tokens``: real text has weight
  ``real_weight``, synthetic corpora the cell's ``synthetic_weight`` (0 = real only). The
  English share is the rest.
* A corpus gives its quota as whole seeded random passes over its documents (the epochs an
  up-weight asks for) plus a seeded random subset of documents for the fraction left; the last
  document of that subset is cut to the exact quota and still ends with EOS.
* All drawn documents are shuffled together, concatenated, and cut into ``[n, seq_len]``
  int32 rows: no padding, nothing but the cut tail of at most one document per corpus is lost.
"""

import numpy as np

from langadapt.errors import LangadaptError

TARGET_CORPORA = ("real", "mt", "translit", "translit_mt")


def document_bounds(ids: np.ndarray, eos: int) -> tuple[np.ndarray, np.ndarray]:
    """(starts, lengths) of the EOS-terminated documents of a flat token array."""
    ends = np.flatnonzero(ids == eos) + 1
    if len(ids) and (not len(ends) or ends[-1] != len(ids)):
        ends = np.append(ends, len(ids))
    starts = np.concatenate([[0], ends[:-1]]).astype(np.int64)
    return starts, (ends - starts).astype(np.int64)


def split_quota(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Integer quotas proportional to ``weights`` that sum to ``total`` (largest remainder)."""
    names = [name for name, weight in weights.items() if weight > 0]
    if total == 0 or not names:
        return {name: 0 for name in weights}
    raw = np.array([weights[name] for name in names], dtype=np.float64)
    raw = raw / raw.sum() * total
    quotas = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - quotas), kind="stable")
    quotas[order[: total - int(quotas.sum())]] += 1
    out = {name: 0 for name in weights}
    out.update({name: int(q) for name, q in zip(names, quotas, strict=True)})
    return out


def draw_documents(lengths: np.ndarray, quota: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Document indices and token counts taken from each so that they sum to ``quota``."""
    size = int(lengths.sum())
    if quota == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if size == 0:
        raise LangadaptError(f"a corpus with no tokens was asked for {quota} tokens")
    passes, remainder = divmod(quota, size)
    chosen = [rng.permutation(len(lengths)) for _ in range(passes)]
    if remainder:
        order = rng.permutation(len(lengths))
        count = int(np.searchsorted(np.cumsum(lengths[order]), remainder, side="left")) + 1
        chosen.append(order[:count])
    indices = np.concatenate(chosen)
    taken = lengths[indices].copy()
    taken[-1] -= int(taken.sum()) - quota
    return indices, taken


def mix_corpora(
    corpora: dict[str, np.ndarray],
    eos: int,
    mixing_ratio: float,
    token_budget: int,
    synthetic_weight: float,
    real_weight: float,
    seq_len: int,
    seed: int = 0,
) -> tuple[np.ndarray, dict]:
    """Packed ``[n, seq_len]`` int32 mixture of ``corpora`` (english, real, mt, translit)."""
    sequences = max(1, round(token_budget / seq_len))
    packed_tokens = sequences * seq_len
    target_tokens = int(round(mixing_ratio * packed_tokens))
    bounds = {name: document_bounds(ids, eos) for name, ids in corpora.items()}
    weights = {
        name: (real_weight if name == "real" else synthetic_weight) * len(corpora[name])
        for name in TARGET_CORPORA
        if name in corpora
    }
    if target_tokens and not any(weights.values()):
        raise LangadaptError(
            "mixing_ratio > 0 but every target corpus has weight 0 or no tokens "
            "(check mixture.real_weight and the synth weight)"
        )
    quotas = split_quota(target_tokens, weights)
    quotas["english"] = packed_tokens - target_tokens
    if quotas["english"] and "english" not in corpora:
        raise LangadaptError("mixing_ratio < 1 needs the english corpus")
    rng = np.random.default_rng(seed)
    names = list(corpora)
    offsets = np.concatenate([[0], np.cumsum([len(corpora[name]) for name in names])])
    all_ids = np.concatenate([corpora[name] for name in names]).astype(np.int32)
    starts, lengths, taken, report = [], [], [], {}
    for position, name in enumerate(names):
        quota = quotas.get(name, 0)
        doc_starts, doc_lengths = bounds[name]
        indices, counts = draw_documents(doc_lengths, quota, rng)
        starts.append(doc_starts[indices] + offsets[position])
        lengths.append(doc_lengths[indices])
        taken.append(counts)
        size = int(doc_lengths.sum())
        report[name] = {
            "weight": None
            if name == "english"
            else (real_weight if name == "real" else synthetic_weight),
            "corpus_tokens": size,
            "corpus_documents": int(len(doc_lengths)),
            "tokens": quota,
            "documents_drawn": int(len(indices)),
            "epochs": round(quota / size, 4) if size else 0.0,
            "share": round(quota / packed_tokens, 6),
        }
    starts, lengths, taken = map(np.concatenate, (starts, lengths, taken))
    order = rng.permutation(len(starts))
    starts, lengths, taken = starts[order], lengths[order], taken[order]
    ends = np.cumsum(taken)
    index = np.repeat(starts - (ends - taken), taken) + np.arange(int(ends[-1]) if len(ends) else 0)
    cut = np.flatnonzero(taken < lengths)
    index[ends[cut] - 1] = starts[cut] + lengths[cut] - 1  # a cut document still ends with EOS
    packed = all_ids[index].reshape(sequences, seq_len)
    drawn = int(lengths.sum())
    info = {
        "mixing_ratio": mixing_ratio,
        "token_budget": token_budget,
        "synthetic_weight": synthetic_weight,
        "real_weight": real_weight,
        "seq_len": seq_len,
        "seed": seed,
        "sequences": sequences,
        "packed_tokens": packed_tokens,
        "drawn_tokens": drawn,
        "padding_tokens": 0,
        "packing_efficiency": round(packed_tokens / drawn, 6) if drawn else 1.0,
        "target_share": round(target_tokens / packed_tokens, 6),
        # synthetic (mt, translit) tokens as a share of the target-language tokens
        "synthetic_target_share": round(
            sum(quotas.get(name, 0) for name in ("mt", "translit")) / target_tokens, 6)
        if target_tokens else 0.0,
        "documents": int(len(starts)),
        "corpora": report,
    }
    return packed, info


def build_mixture(
    token_files: dict[str, str],
    stats_files: dict[str, str],
    out_npy,
    out_json,
    mixing_ratio: float,
    token_budget: int,
    synthetic_weight: float,
    real_weight: float,
    seq_len: int,
    seed: int = 0,
) -> dict:
    """Read the tokenised corpora (``results/tokens/{lang}/{corpus}.npy``), mix, pack, save."""
    import time

    from langadapt.errors import file_error
    from langadapt.textio import read_json, write_json

    started = time.perf_counter()
    stats = {name: read_json(path) for name, path in stats_files.items()}
    eos_ids = {name: s["eos_token_id"] for name, s in stats.items()}
    if len(set(eos_ids.values())) != 1:
        raise file_error(next(iter(stats_files.values())), f"corpora disagree on eos id: {eos_ids}")
    tokenizers = {s.get("tokenizer") for s in stats.values()}
    if len(tokenizers) > 1:
        raise file_error(
            next(iter(stats_files.values())), f"corpora use different tokenizers: {tokenizers}"
        )
    corpora = {name: np.load(path) for name, path in token_files.items()}
    packed, info = mix_corpora(
        corpora,
        eos=next(iter(eos_ids.values())),
        mixing_ratio=mixing_ratio,
        token_budget=token_budget,
        synthetic_weight=synthetic_weight,
        real_weight=real_weight,
        seq_len=seq_len,
        seed=seed,
    )
    np.save(out_npy, packed)
    info["tokenizer"] = tokenizers.pop() if tokenizers else None
    info["seconds"] = round(time.perf_counter() - started, 3)
    write_json(out_json, info)
    return info
