"""Vocabulary extension (rule ``extend_vocabulary``): add N target-language tokens to the base
tokenizer and give the model an embedding row for each.

Learning: the target training text is normalised and pre-tokenised by the base tokenizer
(Hugging Face ``tokenizers``), every distinct word is split into the base tokenizer's own
pieces, and BPE merges are learned *on top of that segmentation* (most frequent adjacent pair
first). Each learned merge is appended after the base merges, so the base tokenizer's
behaviour is kept and every new token is reachable: applied to a target word, the extended
tokenizer reproduces the segmentation the merges were learned from. Merges whose result is
already a base token are kept (they cost no row) and do not count towards N.

Initialisation: the row of a new token (input embeddings, and the output layer when it is not
tied to them) is the mean of the rows of the pieces the base tokenizer splits it into.
FOCUS and WECHSEL are not offered: WECHSEL needs pretrained fastText vectors and a bilingual
dictionary from the hub, FOCUS a fastText model of the target language; neither runs offline.

Combining marks: the GPT-2 byte-level pre-tokenizer splits words at every combining mark
(``\\p{M}``), so a Hindi word such as संवाद reaches BPE as five fragments and no merge can
join them (SmolLM2's 5.6 tokens per Hindi word). With ``join_combining_marks`` (the default)
the extended tokenizer keeps marks inside words: the same regex with ``\\p{M}`` beside
``\\p{L}``, as an explicit ``Split`` before a regex-free ``ByteLevel``. Text without
combining marks (English, Galician in NFC) is pre-tokenised exactly as before.

Extendable tokenizers: fast (``tokenizers``) BPE models with a pre-tokenizer and no
continuing-subword prefix or end-of-word suffix (GPT-2/Llama-3/SmolLM2/Qwen byte-level BPE,
Metaspace BPE). Anything else stops with an error naming ``base_model``.
"""

import heapq
import json
import tempfile
from collections import Counter
from pathlib import Path

import torch
from tokenizers import Tokenizer

from langadapt.errors import config_error, file_error
from langadapt.textio import read_jsonl, write_json

BASE_MODEL_KEY = "base_model"
# tokenizers' built-in ByteLevel regex (GPT-2), and the same with combining marks inside words
GPT2_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
MARKS_PATTERN = (r"'s|'t|'re|'ve|'m|'ll|'d| ?[\p{L}\p{M}]+| ?\p{N}+| ?[^\s\p{L}\p{M}\p{N}]+"
                 r"|\s+(?!\S)|\s+")


def join_combining_marks(spec: dict) -> bool:
    """Replace a regex ByteLevel pre-tokenizer in ``spec`` (tokenizer.json) by the same split
    with combining marks kept inside words. False when the pre-tokenizer is of another kind."""

    def replaced(pre):
        if pre.get("type") == "ByteLevel" and pre.get("use_regex", True):
            split = {"type": "Split", "pattern": {"Regex": MARKS_PATTERN},
                     "behavior": "Isolated", "invert": False}
            return [split, {**pre, "use_regex": False}]
        return None

    pre = spec["pre_tokenizer"]
    if pre.get("type") == "Sequence":
        for index, inner in enumerate(pre["pretokenizers"]):
            if (new := replaced(inner)) is not None:
                pre["pretokenizers"][index:index + 1] = new
                return True
        return False
    if (new := replaced(pre)) is not None:
        spec["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": new}
        return True
    return False


def check_extendable(tokenizer, key: str = BASE_MODEL_KEY) -> dict:
    """The tokenizer.json of ``tokenizer`` as a dict; raise naming ``key`` when it cannot be
    extended by appending BPE merges."""
    if not getattr(tokenizer, "is_fast", False) or not hasattr(tokenizer, "backend_tokenizer"):
        raise config_error(
            key,
            f"tokenizer {type(tokenizer).__name__} is not a fast (tokenizers) tokenizer, so its "
            "vocabulary cannot be extended; use a model with a tokenizer.json or set every "
            "cpt.grid[*].vocab_extension to 0",
        )
    spec = json.loads(tokenizer.backend_tokenizer.to_str())
    model = spec.get("model") or {}
    if model.get("type") != "BPE":
        raise config_error(
            key,
            f"tokenizer model type {model.get('type')!r} cannot be extended (only BPE "
            "tokenizers can); set every cpt.grid[*].vocab_extension to 0",
        )
    if spec.get("pre_tokenizer") is None:
        raise config_error(
            key, "the BPE tokenizer has no pre-tokenizer, so target words cannot be counted; "
            "set every cpt.grid[*].vocab_extension to 0",
        )
    for option in ("continuing_subword_prefix", "end_of_word_suffix"):
        if model.get(option):
            raise config_error(
                key, f"BPE tokenizers with a {option} ({model[option]!r}) cannot be extended; "
                "set every cpt.grid[*].vocab_extension to 0",
            )
    return spec


def word_counts(texts, backend) -> Counter:
    """Pre-tokenised words of ``texts`` (the base tokenizer's normaliser and pre-tokenizer)."""
    counts: Counter = Counter()
    for text in texts:
        if backend.normalizer is not None:
            text = backend.normalizer.normalize_str(text)
        counts.update(word for word, _ in backend.pre_tokenizer.pre_tokenize_str(text))
    return counts


def base_pieces(word: str, backend) -> list[str]:
    """The pieces the base BPE model splits one pre-tokenised word into."""
    return [token.value for token in backend.model.tokenize(word)]


def _pairs(symbols):
    return zip(symbols, symbols[1:], strict=False)


def _merge(symbols: list[str], pair: tuple[str, str]) -> list[str]:
    merged, index = [], 0
    while index < len(symbols):
        if index + 1 < len(symbols) and (symbols[index], symbols[index + 1]) == pair:
            merged.append(symbols[index] + symbols[index + 1])
            index += 2
        else:
            merged.append(symbols[index])
            index += 1
    return merged


def learn_merges(counts: Counter, backend, new_tokens: int, min_frequency: int = 2,
                 key: str = "cpt.grid[*].vocab_extension") -> list[tuple[str, str]]:
    """BPE merges learned on the base segmentation of ``counts`` until ``new_tokens`` merges
    have produced tokens the base vocabulary lacks. Raises naming ``key`` when pairs seen at
    least ``min_frequency`` times run out first."""
    vocabulary = set(backend.get_vocab())
    words = [base_pieces(word, backend) for word in counts]
    frequency = list(counts.values())
    pair_counts: Counter = Counter()
    where: dict[tuple[str, str], set[int]] = {}
    for index, symbols in enumerate(words):
        for pair in _pairs(symbols):
            pair_counts[pair] += frequency[index]
            where.setdefault(pair, set()).add(index)
    heap = [(-count, pair) for pair, count in pair_counts.items()]
    heapq.heapify(heap)
    merges: list[tuple[str, str]] = []
    added = 0
    while added < new_tokens:
        while heap and -heap[0][0] != pair_counts.get(heap[0][1], 0):
            heapq.heappop(heap)  # stale entry: the pair's count changed since it was pushed
        if not heap or -heap[0][0] < min_frequency:
            raise config_error(
                key,
                f"{new_tokens} new tokens requested but the target training text supports only "
                f"{added} (pairs seen at least vocabulary.min_frequency={min_frequency} times); "
                "lower the extension or add target text",
            )
        _, best = heapq.heappop(heap)
        merges.append(best)
        token = best[0] + best[1]
        if token not in vocabulary:
            vocabulary.add(token)
            added += 1
        changed: set[tuple[str, str]] = set()
        for index in where.pop(best, set()):
            old = words[index]
            new = _merge(old, best)
            for pair in _pairs(old):
                pair_counts[pair] -= frequency[index]
                changed.add(pair)
                if pair in where:
                    where[pair].discard(index)
            for pair in _pairs(new):
                pair_counts[pair] += frequency[index]
                changed.add(pair)
                where.setdefault(pair, set()).add(index)
            words[index] = new
        pair_counts.pop(best, None)
        for pair in changed:
            if pair_counts.get(pair, 0) > 0:
                heapq.heappush(heap, (-pair_counts[pair], pair))
            else:
                pair_counts.pop(pair, None)
    return merges


def extended_tokenizer(tokenizer, spec: dict, merges: list[tuple[str, str]]):
    """(extended tokenizer, {new token: id}): ``merges`` appended to the base BPE model, each
    unseen result token given the next free id (after every base and added token)."""
    from transformers import AutoTokenizer

    spec = json.loads(json.dumps(spec))
    model = spec["model"]
    taken = list(model["vocab"].values()) + [t["id"] for t in spec.get("added_tokens", [])]
    next_id = max(max(taken) + 1, len(tokenizer))
    new_ids: dict[str, int] = {}
    as_strings = bool(model["merges"]) and isinstance(model["merges"][0], str)
    for left, right in merges:
        token = left + right
        if token not in model["vocab"]:
            model["vocab"][token] = new_ids[token] = next_id
            next_id += 1
        model["merges"].append(f"{left} {right}" if as_strings else [left, right])
    with tempfile.TemporaryDirectory(prefix="langadapt-vocab-") as staging:
        tokenizer.save_pretrained(staging)
        Path(staging, "tokenizer.json").write_text(json.dumps(spec, ensure_ascii=False),
                                                   encoding="utf-8")
        extended = AutoTokenizer.from_pretrained(staging)
    missing = [token for token, token_id in new_ids.items()
               if extended.convert_tokens_to_ids(token) != token_id]
    if missing:
        raise config_error(BASE_MODEL_KEY, f"tokenizer class {type(extended).__name__} dropped "
                           f"new tokens when reloaded (e.g. {missing[0]!r}); it cannot be extended")
    return extended, new_ids


def piece_ids(new_ids: dict[str, int], backend) -> dict[int, list[int]]:
    """{new token id: ids of the base pieces the base tokenizer splits the token into}."""
    return {token_id: [backend.token_to_id(piece) for piece in base_pieces(token, backend)]
            for token, token_id in new_ids.items()}


@torch.no_grad()
def resize_and_initialise(model, pieces: dict[int, list[int]]) -> int:
    """Grow input embeddings (and an untied output layer) to fit every id in ``pieces``, and set
    each new row to the mean of its pieces' rows. Returns the new number of rows."""
    try:
        embeddings = model.get_input_embeddings()
    except NotImplementedError:
        raise config_error(BASE_MODEL_KEY, f"model type {model.config.model_type!r} exposes no "
                           "input embeddings, so its vocabulary cannot be extended") from None
    rows = max(embeddings.weight.shape[0], max(pieces, default=-1) + 1)
    model.resize_token_embeddings(rows, mean_resizing=False)
    input_rows = model.get_input_embeddings().weight
    output = model.get_output_embeddings()
    untied = output is not None and output.weight.data_ptr() != input_rows.data_ptr()
    for token_id, piece_list in pieces.items():
        index = torch.tensor(piece_list)
        input_rows[token_id] = input_rows[index].mean(dim=0)
        if untied:
            output.weight[token_id] = output.weight[index].mean(dim=0)
    return rows


def target_texts(train_path, field: str = "target") -> list[str]:
    texts = [text for record in read_jsonl(train_path)
             if (text := (record.get(field) or "").strip())]
    if not texts:
        raise file_error(train_path, f"no non-empty '{field}' text to learn tokens from")
    return texts


def extend_vocabulary(base_dir, train_path, new_tokens: int, out_dir, report_path,
                      min_frequency: int = 2, key: str = "cpt.grid[*].vocab_extension",
                      join_marks: bool = True) -> dict:
    """Learn ``new_tokens`` target tokens from ``train_path``, extend the model in ``base_dir``
    and save model + tokenizer (safetensors) to ``out_dir``; write a JSON report."""
    from langadapt.modeling import load_model, load_tokenizer, save_model

    tokenizer = load_tokenizer(base_dir)
    spec = check_extendable(tokenizer)
    backend = tokenizer.backend_tokenizer  # the base pieces of a new token come from here
    marks_joined = join_marks and join_combining_marks(spec)
    counting = Tokenizer.from_str(json.dumps(spec)) if marks_joined else backend
    counts = word_counts(target_texts(train_path), counting)
    merges = learn_merges(counts, backend, new_tokens, min_frequency, key)
    extended, new_ids = extended_tokenizer(tokenizer, spec, merges)
    model = load_model(base_dir)
    pieces = piece_ids(new_ids, backend)
    rows = resize_and_initialise(model, pieces)
    save_model(model, extended, out_dir)
    decoded = {token: tokenizer.convert_tokens_to_string([token]) for token in new_ids}
    report = {
        "base_model": str(base_dir),
        "train_text": str(train_path),
        "new_tokens": len(new_ids),
        "merges_added": len(merges),
        "min_frequency": min_frequency,
        "base_vocabulary": len(tokenizer),
        "extended_vocabulary": len(extended),
        "embedding_rows": rows,
        "tied_embeddings": bool(model.config.tie_word_embeddings),
        "initialisation": "mean of base sub-token embeddings",
        "combining_marks_joined": marks_joined,
        "distinct_words": len(counts),
        "first_tokens": [decoded[token] for token in list(new_ids)[:50]],
    }
    write_json(report_path, report)
    return report
