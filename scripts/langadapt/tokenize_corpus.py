"""Tokenise a corpus once with the base tokenizer: flat uint32 ids, EOS after every document.

Every mixture cell reuses these arrays, so this is the only place text meets the tokenizer.
Document boundaries are the EOS positions; an EOS id produced inside a document (a literal
end-of-text string in the text) is removed so boundaries stay unambiguous.
"""

import logging
import time

import numpy as np

from langadapt.errors import file_error
from langadapt.progress import progress_batches
from langadapt.textio import read_jsonl, write_json

# Which field of which file holds the text of each corpus (docs/contract.md).
CORPUS_FIELDS = {
    "english": "en", "real": "target", "mt": "target", "translit": "text", "translit_mt": "text"
}


def corpus_texts(path, field: str) -> list[str]:
    """Non-empty values of ``field`` in the JSONL file ``path``."""
    return [text for record in read_jsonl(path) if (text := (record.get(field) or "").strip())]


def tokenize_documents(texts: list[str], tokenizer, batch_size: int = 4096) -> np.ndarray:
    """Flat uint32 array: the tokens of each document followed by EOS."""
    eos = tokenizer.eos_token_id
    if eos is None:
        raise ValueError("the tokenizer has no eos token; documents could not be separated")
    pieces = []
    for start in progress_batches(len(texts), batch_size, "tokenize", "documents"):
        encoded = tokenizer(texts[start : start + batch_size], add_special_tokens=False)
        for ids in encoded["input_ids"]:
            pieces.append(ids)
    lengths = np.fromiter((len(ids) for ids in pieces), dtype=np.int64, count=len(pieces))
    flat = np.fromiter(
        (token for ids in pieces for token in ids), dtype=np.uint32, count=int(lengths.sum())
    )
    is_eos = flat == eos
    if is_eos.any():
        document = np.repeat(np.arange(len(pieces)), lengths)
        lengths = lengths - np.bincount(document[is_eos], minlength=len(pieces))
        flat = flat[~is_eos]
    ends = np.cumsum(lengths) + np.arange(1, len(pieces) + 1)
    out = np.empty(int(lengths.sum()) + len(pieces), dtype=np.uint32)
    out[ends - 1] = eos
    body = np.ones(len(out), dtype=bool)
    body[ends - 1] = False
    out[body] = flat
    return out


def tokenize_corpus(text_path, field: str, tokenizer_dir, out_npy, out_stats,
                    allow_empty: bool = False) -> dict:
    """Tokenise ``field`` of ``text_path`` with the tokenizer in ``tokenizer_dir``.

    ``allow_empty``: a shard may hold no text (written as zero tokens, with a warning).
    """
    from transformers import AutoTokenizer

    texts = corpus_texts(text_path, field)
    if not texts and not allow_empty:
        raise file_error(text_path, f"no non-empty '{field}' text to tokenise")
    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    started = time.perf_counter()
    if texts:
        ids = tokenize_documents(texts, tokenizer)
    else:
        logging.getLogger(__name__).warning("%s: empty shard, no '%s' text", text_path, field)
        ids = np.zeros(0, np.uint32)
    seconds = time.perf_counter() - started
    np.save(out_npy, ids)
    stats = {
        "source": str(text_path),
        "field": field,
        "tokenizer": str(tokenizer_dir),
        "eos_token_id": int(tokenizer.eos_token_id),
        "vocab_size": len(tokenizer),
        "documents": len(texts),
        "tokens": int(len(ids)),
        "characters": sum(len(text) for text in texts),
        "words": sum(len(text.split()) for text in texts),
        "seconds": round(seconds, 3),
        "tokens_per_second": round(len(ids) / max(seconds, 1e-9)),
    }
    stats["tokens_per_word"] = round(
        (stats["tokens"] - stats["documents"]) / max(stats["words"], 1), 3
    )
    write_json(out_stats, stats)
    return stats
