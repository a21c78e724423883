"""Continual pre-training mixtures: an index of documents over memory-mapped token files.

Semantics (one grid cell ``ratio / tokens / synth``):

* The budget ``B`` is rounded to whole sequences: ``n = round(B / seq_len)``, ``n * seq_len``
  tokens are taken.
* The target-language share ``ratio * n * seq_len`` is split over the target corpora (real,
  mt, translit, translit_mt): with ``target_shares`` (the papers' stated token shares) in
  proportion to ``share``, else to ``weight * corpus tokens`` (real text has weight
  ``real_weight``). Synthetic corpora are scaled by the cell's ``synthetic_weight`` either way
  (0 = real only). The English share is the rest.
* A corpus gives its quota as whole seeded random passes over its documents (the epochs an
  up-weight asks for) plus a seeded random subset of documents for the fraction left; the last
  document of that subset is cut to the exact quota and still ends with EOS.
* All drawn documents are shuffled together and concatenated into one token stream; sequence
  ``i`` is stream tokens ``[i * seq_len, (i + 1) * seq_len)``: no padding, nothing but the cut
  tail of at most one document per corpus is lost.

The stream is never materialised: ``index.npy`` holds one row per drawn document (token file,
start, tokens taken, cut, stream end), ``mix.json`` names the token files (relative to itself)
and ``MixtureIndex`` reads any sequence from the memory-mapped token files. Memory grows with
the number of documents, not with their tokens.
"""

import logging
import mmap
import os
import time
from pathlib import Path

import numpy as np

from langadapt.errors import LangadaptError, file_error

TARGET_CORPORA = ("real", "mt", "translit", "translit_mt")
SYNTHETIC_CORPORA = ("mt", "translit", "translit_mt")
SEGMENT = np.dtype(
    [("file", np.uint16), ("start", np.int64), ("length", np.uint32), ("cut", np.bool_),
     ("end", np.int64)]
)
SCAN_CHUNK = 1 << 22  # tokens per read when scanning a token file (16 MB of uint32)

log = logging.getLogger(__name__)


def chunk_bounds(chunks, eos: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(starts, lengths, largest id) of the EOS-terminated documents of consecutive chunks."""
    ends, size, top = [np.zeros(0, np.int64)], 0, 0
    for chunk in chunks:
        ends.append(np.flatnonzero(chunk == eos).astype(np.int64) + (size + 1))
        size += len(chunk)
        top = max(top, int(chunk.max())) if len(chunk) else top
    ends = np.concatenate(ends)
    if size and (not len(ends) or ends[-1] != size):
        ends = np.append(ends, size)
    starts = np.concatenate([[0], ends[:-1]]).astype(np.int64)
    return starts, (ends - starts).astype(np.int64), top


def document_bounds(ids: np.ndarray, eos: int) -> tuple[np.ndarray, np.ndarray]:
    """(starts, lengths) of the EOS-terminated documents of a flat token array."""
    return chunk_bounds([ids], eos)[:2]


def token_file_chunks(path):
    """The ids of a 1-D ``.npy`` token file, ``SCAN_CHUNK`` at a time, by plain reads.

    Reads, not a memory map: mapped pages of a scanned file count in the process's RSS.
    """
    with open(path, "rb") as handle:
        version = np.lib.format.read_magic(handle)
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        shape, _, dtype = read_header(handle)
        if len(shape) != 1:
            raise file_error(path, f"expected a flat token array, got shape {shape}")
        left = shape[0]
        while left:
            chunk = np.fromfile(handle, dtype=dtype, count=min(SCAN_CHUNK, left))
            if not len(chunk):
                raise file_error(path, f"file ends {left} tokens early")
            left -= len(chunk)
            yield chunk


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


def corpus_weights(sizes: dict[str, int], synthetic_weight: float, real_weight: float,
                   target_shares: dict[str, float] | None) -> dict[str, float]:
    """Relative quota of each target corpus present in ``sizes`` (see the module docstring)."""
    return {
        name: corpus_weight(name, synthetic_weight, real_weight, target_shares)
        * (sizes[name] if target_shares is None else sizes[name] > 0)
        for name in TARGET_CORPORA
        if name in sizes
    }


def plan_mixture(
    documents: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    mixing_ratio: float,
    token_budget: int,
    synthetic_weight: float,
    real_weight: float,
    seq_len: int,
    seed: int = 0,
    target_shares: dict[str, float] | None = None,
) -> tuple[np.ndarray, dict]:
    """The index (``SEGMENT`` rows in stream order) and summary of one mixture cell.

    ``documents[corpus] = (file, start, length)`` per document, ``file`` a position in the
    cell's list of token files.
    """
    sequences = max(1, round(token_budget / seq_len))
    packed_tokens = sequences * seq_len
    target_tokens = int(round(mixing_ratio * packed_tokens))
    sizes = {name: int(lengths.sum()) for name, (_, _, lengths) in documents.items()}
    weights = corpus_weights(sizes, synthetic_weight, real_weight, target_shares)
    if target_tokens and not any(weights.values()):
        raise LangadaptError(
            "mixing_ratio > 0 but every target corpus has weight 0 or no tokens "
            "(check mixture.real_weight, mixture.target_shares and the synth weight)"
        )
    quotas = split_quota(target_tokens, weights)
    quotas["english"] = packed_tokens - target_tokens
    if quotas["english"] and "english" not in documents:
        raise LangadaptError("mixing_ratio < 1 needs the english corpus")
    rng = np.random.default_rng(seed)
    parts, report, drawn = [], {}, 0
    for name, (files, starts, lengths) in documents.items():
        quota = quotas.get(name, 0)
        indices, taken = draw_documents(lengths, quota, rng)
        part = np.zeros(len(indices), SEGMENT)
        part["file"], part["start"] = files[indices], starts[indices]
        part["length"], part["cut"] = taken, taken < lengths[indices]
        parts.append(part)
        drawn += int(lengths[indices].sum())
        size = sizes[name]
        unsampled = size - int(lengths[np.unique(indices)].sum())
        report[name] = {
            "weight": corpus_weight(name, synthetic_weight, real_weight, target_shares),
            "corpus_tokens": size,
            "corpus_documents": int(len(lengths)),
            "tokens": quota,
            "documents_drawn": int(len(indices)),
            "epochs": round(quota / size, 4) if size else 0.0,
            "share": round(quota / packed_tokens, 6),
            "target_language_share": round(quota / target_tokens, 6)
            if target_tokens and name != "english" else None,
            "unsampled_tokens": unsampled,
        }
        if unsampled and quota and name != "english":
            log.warning("mixture: %d of the %d %s tokens produced are never sampled (%.3f epochs)",
                        unsampled, size, name, quota / size)
    segments = np.concatenate(parts)
    segments = segments[rng.permutation(len(segments))]
    segments["end"] = np.cumsum(segments["length"], dtype=np.int64)
    info = {
        "mixing_ratio": mixing_ratio,
        "token_budget": token_budget,
        "synthetic_weight": synthetic_weight,
        "real_weight": real_weight,
        "target_shares": target_shares,
        "seq_len": seq_len,
        "seed": seed,
        "sequences": sequences,
        "packed_tokens": packed_tokens,
        "drawn_tokens": drawn,
        "padding_tokens": 0,
        "packing_efficiency": round(packed_tokens / drawn, 6) if drawn else 1.0,
        "target_share": round(target_tokens / packed_tokens, 6),
        # synthetic (mt, translit, translit_mt) tokens as a share of the target-language tokens
        "synthetic_target_share": round(
            sum(quotas.get(name, 0) for name in SYNTHETIC_CORPORA) / target_tokens, 6)
        if target_tokens else 0.0,
        # target-language tokens produced (tokenised) that no document of this cell draws
        "unsampled_target_tokens": sum(
            report[name]["unsampled_tokens"] for name in report if name != "english"),
        "documents": int(len(segments)),
        "corpora": report,
    }
    return segments, info


def corpus_weight(name: str, synthetic_weight: float, real_weight: float,
                  target_shares: dict[str, float] | None) -> float | None:
    """The weight a corpus's row of the summary reports (None for english)."""
    if name == "english":
        return None
    scale = synthetic_weight if name in SYNTHETIC_CORPORA else 1.0
    if target_shares is None:
        return real_weight if name == "real" else synthetic_weight
    return scale * float(target_shares.get(name, 0.0))


def read_tokens(segments: np.ndarray, tokens: list[np.ndarray], eos: int, begin: int,
                stop: int) -> np.ndarray:
    """Stream tokens ``[begin, stop)`` of a mixture index as int64."""
    out = np.empty(stop - begin, np.int64)
    row = int(np.searchsorted(segments["end"], begin, side="right"))
    at = begin
    while at < stop:
        segment = segments[row]
        first = int(segment["end"] - segment["length"])
        offset, last = at - first, min(stop, int(segment["end"])) - first
        start = int(segment["start"])
        piece = tokens[segment["file"]][start + offset : start + last]
        out[at - begin : at - begin + len(piece)] = piece
        if segment["cut"] and last == segment["length"]:
            out[at - begin + len(piece) - 1] = eos  # a cut document still ends with EOS
        at += len(piece)
        row += 1
    return out


def random_access(ids: np.ndarray) -> np.ndarray:
    """Turn off read-ahead on a memory-mapped token file: sampled documents are scattered, and
    pages read ahead around each would count in the trainer's RSS."""
    mapping = getattr(ids, "_mmap", None)
    if mapping is not None and hasattr(mmap, "MADV_RANDOM"):
        mapping.madvise(mmap.MADV_RANDOM)
    return ids


class MixtureIndex:
    """Sequences of a mixture cell, read lazily from ``index.npy`` and memory-mapped tokens."""

    def __init__(self, mix_json):
        from langadapt.textio import read_json

        self.path = Path(mix_json)
        info = read_json(self.path)
        if "index" not in info:
            raise file_error(self.path, "no 'index' block: not a mixture index (rebuild the cell)")
        spec = info["index"]
        self.index_path = self.path.parent / spec["file"]
        self.seq_len, self.sequences = int(info["seq_len"]), int(info["sequences"])
        self.eos, self.max_token_id = int(spec["eos_token_id"]), int(spec["max_token_id"])
        try:
            self.segments = np.load(self.index_path, mmap_mode="r")
            self.tokens = [random_access(np.load(self.path.parent / path, mmap_mode="r"))
                           for path in spec["token_files"]]
        except (OSError, ValueError) as error:
            raise file_error(self.path, f"cannot read the mixture index or its tokens: {error}"
                             ) from error
        if self.segments.dtype != SEGMENT or (
                len(self.segments) and self.segments["end"][-1] < self.sequences * self.seq_len):
            raise file_error(self.index_path, "index rows do not cover the mixture's sequences")

    def __len__(self) -> int:
        return self.sequences

    def sequence(self, number: int) -> np.ndarray:
        if not 0 <= number < self.sequences:
            raise IndexError(number)
        begin = number * self.seq_len
        return read_tokens(self.segments, self.tokens, self.eos, begin, begin + self.seq_len)


def corpus_documents(bounds: list[tuple[np.ndarray, np.ndarray]], first_file: int):
    """(file, start, length) of the documents of one corpus's token files (its shards)."""
    files, starts, lengths = [], [], []
    for position, (doc_starts, doc_lengths) in enumerate(bounds):
        files.append(np.full(len(doc_starts), first_file + position, np.uint16))
        starts.append(doc_starts)
        lengths.append(doc_lengths)
    return tuple(np.concatenate(part) for part in (files, starts, lengths))


def mix_corpora(
    corpora: dict[str, np.ndarray],
    eos: int,
    mixing_ratio: float,
    token_budget: int,
    synthetic_weight: float,
    real_weight: float,
    seq_len: int,
    seed: int = 0,
    target_shares: dict[str, float] | None = None,
) -> tuple[np.ndarray, dict]:
    """The mixture of in-memory ``corpora`` as a packed ``[n, seq_len]`` int32 array."""
    arrays = list(corpora.values())
    documents = {name: corpus_documents([document_bounds(ids, eos)], position)
                 for position, (name, ids) in enumerate(corpora.items())}
    segments, info = plan_mixture(documents, mixing_ratio, token_budget, synthetic_weight,
                                  real_weight, seq_len, seed, target_shares)
    packed = read_tokens(segments, arrays, eos, 0, info["packed_tokens"])
    return packed.astype(np.int32).reshape(info["sequences"], seq_len), info


def build_mixture(
    token_files: dict[str, list[str]],
    stats_files: dict[str, list[str]],
    out_index,
    out_json,
    mixing_ratio: float,
    token_budget: int,
    synthetic_weight: float,
    real_weight: float,
    seq_len: int,
    seed: int = 0,
    target_shares: dict[str, float] | None = None,
) -> dict:
    """Index the tokenised corpora (each a list of shard ``.npy`` files) into one mixture cell.

    The token files are read in chunks: peak memory follows the number of documents, not the
    number of tokens.
    """
    from langadapt.textio import read_json, write_json

    started = time.perf_counter()
    stats = {path: read_json(path) for paths in stats_files.values() for path in paths}
    check_shards_agree(stats)
    eos = int(next(iter(stats.values()))["eos_token_id"])
    paths = [path for name in token_files for path in token_files[name]]
    scans = []
    for path in paths:
        try:
            scans.append(chunk_bounds(token_file_chunks(path), eos))
        except (OSError, ValueError) as error:
            raise file_error(path, f"cannot read token ids: {error}") from error
    documents, first = {}, 0
    for name, files in token_files.items():
        bounds = [scan[:2] for scan in scans[first : first + len(files)]]
        documents[name] = corpus_documents(bounds, first)
        first += len(files)
    segments, info = plan_mixture(documents, mixing_ratio, token_budget, synthetic_weight,
                                  real_weight, seq_len, seed, target_shares)
    np.save(out_index, segments)
    info["tokenizer"] = next(iter(stats.values())).get("tokenizer")
    info["index"] = {
        "file": Path(out_index).name,
        "token_files": relative_paths(paths, Path(out_json).parent),
        "eos_token_id": eos,
        "max_token_id": max(scan[2] for scan in scans),
    }
    info["seconds"] = round(time.perf_counter() - started, 3)
    write_json(out_json, info)
    return info


def relative_paths(paths, directory: Path) -> list[str]:
    """``paths`` relative to ``directory`` (mix.json names its token files from where it lies)."""
    return [os.path.relpath(Path(path).absolute(), directory.absolute()) for path in paths]


def check_shards_agree(stats: dict[str, dict]) -> None:
    """Every token file of a cell has the same tokenizer and EOS id; else name two that differ."""
    first_path, first = next(iter(stats.items()))
    for path, other in stats.items():
        for key in ("eos_token_id", "tokenizer"):
            if other.get(key) != first.get(key):
                raise file_error(path, f"{key} {other.get(key)!r} differs from "
                                 f"{first.get(key)!r} in {first_path}: tokenise every shard "
                                 "with one tokenizer")



def index_token_stream(token_file, seq_len: int, eos: int, out_index, out_json) -> dict:
    """A mixture that reads one token file in order: ``len // seq_len`` whole sequences.

    For data that is already in training order (benchmarks, tests); cells sample with
    ``build_mixture``.
    """
    from langadapt.textio import write_json

    ids = np.load(token_file, mmap_mode="r")
    sequences = len(ids) // seq_len
    if not sequences:
        raise file_error(token_file, f"fewer tokens ({len(ids)}) than one sequence ({seq_len})")
    segments = np.zeros(1, SEGMENT)
    segments["length"] = segments["end"] = sequences * seq_len
    np.save(out_index, segments)
    info = {"seq_len": seq_len, "sequences": sequences, "packed_tokens": sequences * seq_len,
            "index": {"file": Path(out_index).name,
                      "token_files": relative_paths([token_file], Path(out_json).parent),
                      "eos_token_id": int(eos),
                      "max_token_id": chunk_bounds(token_file_chunks(token_file), eos)[2]}}
    write_json(out_json, info)
    return info
