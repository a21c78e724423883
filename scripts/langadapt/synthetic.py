"""Synthetic target-language text: machine translation, quality filtering, transliteration.

Each public function is one pipeline step (one Snakemake rule) over the files of
docs/contract.md: it reads JSONL records and writes JSONL plus a JSON side file.
"""

import time
from pathlib import Path

import numpy as np

from langadapt import filters
from langadapt.errors import config_error, file_error
from langadapt.textio import read_jsonl, write_json, write_jsonl


def english_records(train_path, max_sentences: int | None = None, seed: int = 1) -> list[dict]:
    """A seeded random sample of ``max_sentences`` clean training records with English text
    (all of them when there are fewer), in train-file order."""
    chosen = [record for record in read_jsonl(train_path) if (record.get("en") or "").strip()]
    if max_sentences is None or len(chosen) <= max_sentences:
        return chosen
    picked = np.random.default_rng(seed).choice(len(chosen), size=max_sentences, replace=False)
    return [chosen[index] for index in sorted(picked)]


def sample_english(train_path, out_path, spec: dict) -> int:
    """Write the records ``translate_english`` would translate (for translation by shard)."""
    records = english_records(train_path, spec.get("max_sentences"), spec.get("seed", 1))
    if not records:
        raise file_error(train_path, "no record has English text to translate")
    return write_jsonl(out_path, records)


def translate_english(train_path, out_path, provenance_path, spec: dict) -> dict:
    """Translate the English side of the clean train split 1:1 into the target language."""
    from langadapt.mt import get_translator
    from langadapt.mt.document import segment_stats, translate_documents

    records = english_records(train_path, spec.get("max_sentences"), spec.get("seed", 1))
    if not records:
        raise file_error(train_path, "no record has English text to translate")
    translator = get_translator(spec)
    max_chars = int(spec.get("max_segment_chars") or 400)
    texts = [record["en"] for record in records]
    started = time.perf_counter()
    translated = translate_documents(texts, translator.translate, max_chars)
    seconds = time.perf_counter() - started
    if len(translated) != len(records):
        raise file_error(
            out_path, f"translator returned {len(translated)} lines for {len(records)}"
        )
    write_jsonl(
        out_path,
        (
            {"id": record["id"], "group": record.get("group"), "en": record["en"], "target": text}
            for record, text in zip(records, translated, strict=True)
        ),
    )
    provenance = {
        **translator.describe(),
        "input": str(train_path),
        "sample": f"seeded random sample (seed {spec.get('seed', 1)}) of the train split",
        "english_source": spec.get("english_source", "parallel"),
        "segmentation": segment_stats(texts, max_chars),
        "sentences": len(records),
        "seconds": round(seconds, 3),
        "sentences_per_second": round(len(records) / max(seconds, 1e-9), 1),
    }
    cut = provenance.get("truncated") or {}
    if any(cut.values()):
        print(f"warning: the MT backend cut {cut.get('inputs', 0)} inputs and "
              f"{cut.get('outputs', 0)} outputs (max_segment_chars {max_chars}); "
              f"counts in {provenance_path}", flush=True)
    write_json(provenance_path, provenance)
    return provenance


def _step(report: list, name: str, keep: np.ndarray, seconds: float) -> None:
    report.append(
        {"name": name, "kept": int(keep.sum()), "dropped": int((~keep).sum()), "seconds": seconds}
    )


def filter_translations(records: list[dict], settings: dict, score=None) -> tuple[list, dict]:
    """Apply the filters of ``settings`` (config ``synthetic.filters``) in order.

    ``score(texts) -> np.ndarray`` returns per-line perplexities; None skips that filter.
    Returns the kept records (input order, with ``perplexity`` when scored) and the report.
    """
    steps: list[dict] = []
    current = list(records)

    def apply(name: str, mask_fn) -> None:
        nonlocal current
        started = time.perf_counter()
        keep = mask_fn(current) if current else np.zeros(0, dtype=bool)
        _step(steps, name, keep, round(time.perf_counter() - started, 3))
        current = [record for record, kept in zip(current, keep, strict=True) if kept]

    low, high = settings["length_ratio"]
    apply(
        "length_ratio",
        lambda rs: filters.length_ratio_mask(
            [r["en"] for r in rs], [r["target"] for r in rs], low, high
        ),
    )
    apply("exact_duplicate", lambda rs: filters.exact_duplicate_mask([r["target"] for r in rs]))
    apply(
        "near_duplicate",
        lambda rs: filters.near_duplicate_mask(
            [r["target"] for r in rs], settings["near_duplicate_jaccard"]
        ),
    )
    summary: dict = {}
    if score is not None:

        def perplexity_mask(rs):
            limit = settings["perplexity_max_lines"]
            if len(rs) > limit:
                raise config_error(
                    "synthetic.filters.perplexity_max_lines",
                    f"{len(rs)} translated lines reach the perplexity filter but at most {limit} "
                    "may be scored; every candidate is scored, none is dropped unscored: lower "
                    "synthetic.translation.max_sentences or raise perplexity_max_lines")
            values = np.asarray(score([r["target"] for r in rs]), dtype=float)
            keep_count = int(round(settings["perplexity_keep_fraction"] * len(rs)))
            ranked = np.argsort(values, kind="stable")[:keep_count]
            keep = np.zeros(len(rs), dtype=bool)
            keep[ranked] = True
            for index, value in enumerate(values):
                rs[index] = {**rs[index], "perplexity": round(float(value), 3)}
            kept_values = values[keep]
            summary.update(
                scored=len(rs),
                unscored_dropped=0,
                threshold=float(kept_values.max()) if keep_count else None,
                median_kept=float(np.median(kept_values)) if keep_count else None,
                median_all=float(np.median(values)) if len(values) else None,
            )
            return keep

        apply("perplexity", perplexity_mask)
    report = {
        "input": len(records),
        "output": len(current),
        "filters": steps,
        "settings": settings,
        "perplexity": summary,
    }
    return current, report


def filter_synthetic(in_paths, out_path, report_path, settings: dict, model_dir=None, threads=1):
    """mt.jsonl (or its translated shards, in order) -> mt.filtered.jsonl + mt.filter_report.json
    (perplexity under ``model_dir``). Duplicates and the perplexity cut need every shard."""
    paths = [in_paths] if isinstance(in_paths, str | Path) else list(in_paths)
    records = [record for path in paths for record in read_jsonl(path)]
    score = None
    if model_dir is not None:
        import torch

        from langadapt.perplexity import line_perplexities, load_scorer

        torch.set_num_threads(max(1, int(threads)))
        model, tokenizer = load_scorer(model_dir)

        def score(texts):
            return line_perplexities(texts, model, tokenizer)

    started = time.perf_counter()
    kept, report = filter_translations(records, settings, score)
    report["perplexity_model"] = str(model_dir) if model_dir is not None else None
    report["seconds"] = round(time.perf_counter() - started, 3)
    write_jsonl(out_path, kept)
    write_json(report_path, report)
    return report


def transliterate_train(train_path, out_path, scheme: str) -> dict:
    """Target side of the clean train split, Devanagari -> Roman, as translit.jsonl."""
    from langadapt.translit import has_devanagari, transliterate_lines

    records = [r for r in read_jsonl(train_path) if has_devanagari(r.get("target") or "")]
    started = time.perf_counter()
    romanised = transliterate_lines([r["target"] for r in records], scheme)
    seconds = time.perf_counter() - started
    count = write_jsonl(
        out_path,
        (
            {"id": r["id"], "group": r.get("group"), "text": text, "scheme": scheme}
            for r, text in zip(records, romanised, strict=True)
        ),
    )
    return {"lines": count, "seconds": seconds}
