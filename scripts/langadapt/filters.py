"""Quality filters for synthetic (machine-translated) text: each returns a keep mask.

* ``length_ratio_mask``: target/source character ratio inside ``[low, high]``.
* ``exact_duplicate_mask``: first occurrence of each (whitespace-stripped) text.
* ``near_duplicate_mask``: drops a line whose character 5-gram Jaccard similarity to an
  earlier kept line exceeds a threshold. Candidates come from MinHash + LSH banding computed
  with numpy over the whole corpus; every candidate pair is verified with the exact Jaccard,
  so a line is only dropped for a true near duplicate.
"""

import numpy as np

SHINGLE = 5
_PRIME = np.uint64(0x100000001B3)
_MIX = np.uint64(0xBF58476D1CE4E5B9)


def length_ratio_mask(
    sources: list[str], targets: list[str], low: float, high: float
) -> np.ndarray:
    src = np.array([len(text) for text in sources], dtype=np.float64)
    tgt = np.array([len(text) for text in targets], dtype=np.float64)
    ratio = np.divide(tgt, src, out=np.zeros_like(tgt), where=src > 0)
    return (src > 0) & (tgt > 0) & (ratio >= low) & (ratio <= high)


def exact_duplicate_mask(texts: list[str]) -> np.ndarray:
    seen: set[str] = set()
    keep = np.zeros(len(texts), dtype=bool)
    for index, text in enumerate(texts):
        key = text.strip()
        if key not in seen:
            seen.add(key)
            keep[index] = True
    return keep


def _normalise(text: str) -> str:
    text = " ".join(text.casefold().split())
    return text + "\0" * (SHINGLE - len(text)) if len(text) < SHINGLE else text


def shingle_hashes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """uint64 hashes of every character 5-gram, and per-line offsets into them."""
    normal = [_normalise(text) for text in texts]
    lengths = np.array([len(text) for text in normal], dtype=np.int64)
    codes = np.frombuffer("".join(normal).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    with np.errstate(over="ignore"):
        rolling = np.zeros(len(codes) - SHINGLE + 1 if len(codes) >= SHINGLE else 0, np.uint64)
        for k in range(SHINGLE):
            rolling = rolling * _PRIME + codes[k : len(codes) - SHINGLE + 1 + k]
        rolling ^= rolling >> np.uint64(31)
        rolling *= _MIX
        rolling ^= rolling >> np.uint64(29)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    counts = lengths - SHINGLE + 1
    offsets = np.concatenate([[0], np.cumsum(counts)])
    positions = np.repeat(starts - offsets[:-1], counts) + np.arange(offsets[-1])
    return rolling[positions], offsets


def minhash_signatures(hashes: np.ndarray, offsets: np.ndarray, permutations: int, seed: int = 0):
    """[lines, permutations] uint32 MinHash signatures (multiply-shift hash family)."""
    rng = np.random.default_rng(seed)
    multipliers = rng.integers(1, 2**63, size=permutations, dtype=np.uint64) | np.uint64(1)
    addends = rng.integers(0, 2**63, size=permutations, dtype=np.uint64)
    signatures = np.empty((len(offsets) - 1, permutations), dtype=np.uint32)
    with np.errstate(over="ignore"):
        for column in range(permutations):
            permuted = ((hashes * multipliers[column] + addends[column]) >> np.uint64(32)).astype(
                np.uint32
            )
            signatures[:, column] = np.minimum.reduceat(permuted, offsets[:-1])
    return signatures


def lsh_shape(threshold: float, permutations: int = 128) -> tuple[int, int]:
    """(bands, rows): the most selective banding whose S-curve midpoint is <= threshold - 0.1."""
    for rows in (32, 16, 8, 4, 2, 1):
        bands = permutations // rows
        if (1 / bands) ** (1 / rows) <= max(threshold - 0.1, 0.0) or rows == 1:
            return bands, rows
    return permutations, 1


def near_duplicate_mask(texts: list[str], threshold: float, permutations: int = 128) -> np.ndarray:
    """Keep a line unless its 5-gram Jaccard to an earlier kept line is above ``threshold``."""
    keep = np.ones(len(texts), dtype=bool)
    if len(texts) < 2 or threshold >= 1.0:
        return keep
    hashes, offsets = shingle_hashes(texts)
    signatures = minhash_signatures(hashes, offsets, permutations)
    bands, rows = lsh_shape(threshold, permutations)
    buckets: list[dict[bytes, list[int]]] = [{} for _ in range(bands)]
    sets: dict[int, set] = {}

    def shingles(index: int) -> set:
        if index not in sets:
            sets[index] = set(hashes[offsets[index] : offsets[index + 1]].tolist())
        return sets[index]

    for index in range(len(texts)):
        keys = [signatures[index, b * rows : (b + 1) * rows].tobytes() for b in range(bands)]
        candidates = {j for band, key in enumerate(keys) for j in buckets[band].get(key, ())}
        mine = shingles(index) if candidates else None
        for other in sorted(candidates):
            theirs = shingles(other)
            union = len(mine | theirs)
            if union and len(mine & theirs) / union > threshold:
                keep[index] = False
                break
        if keep[index]:
            for band, key in enumerate(keys):
                buckets[band].setdefault(key, []).append(index)
    return keep


def jaccard(a: str, b: str) -> float:
    """Exact character 5-gram Jaccard of two strings (same normalisation as the filter)."""
    hashes, offsets = shingle_hashes([a, b])
    first, second = set(hashes[: offsets[1]].tolist()), set(hashes[offsets[1] :].tolist())
    return len(first & second) / len(first | second)
