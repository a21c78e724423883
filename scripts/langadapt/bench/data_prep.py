"""Data preparation throughput: tokenise + pack, apertium MT, transliteration."""

import json
from pathlib import Path

from langadapt.bench.figures import Figure, best_of, packing_efficiency


def measure_data_preparation(repo: Path, quick: bool) -> list[Figure]:
    figures = []
    base = repo / "results" / "models" / "base"
    texts = _corpus_texts(repo)
    try:
        from langadapt.mixture import mix_corpora
        from langadapt.tokenize_corpus import tokenize_documents
    except ImportError:
        figures.append(
            Figure(
                "tokenize_pack_tokens_per_s",
                None,
                "tokens/s",
                note="synth stage (tokenize_corpus, mixture) not on this branch",
            )
        )
        figures.append(
            Figure(
                "packing_efficiency",
                None,
                "%",
                target=(">=", 99.0),
                note="synth stage not on this branch",
            )
        )
    else:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(base))
        english, target = texts
        seq_len = 256
        state = {}

        def tokenize_and_pack():
            corpora = {
                "english": tokenize_documents(english, tokenizer),
                "real": tokenize_documents(target, tokenizer),
            }
            tokens = sum(len(ids) for ids in corpora.values())
            packed, info = mix_corpora(
                corpora,
                eos=tokenizer.eos_token_id,
                mixing_ratio=0.8,
                token_budget=tokens // 2,
                synthetic_weight=1.0,
                real_weight=2.0,
                seq_len=seq_len,
            )
            state.update(tokens=tokens, packed=packed, info=info)

        seconds = best_of(tokenize_and_pack, 1 if quick else 3)
        figures.append(
            Figure(
                "tokenize_pack_tokens_per_s",
                state["tokens"] / seconds,
                "tokens/s",
                note=f"{len(english) + len(target):,} documents, {state['tokens']:,} tokens, "
                f"SmolLM2 tokenizer + mix_corpora, seq {seq_len}",
            )
        )
        efficiency = packing_efficiency(
            state["packed"], padding_tokens=state["info"].get("padding_tokens", 0)
        )
        figures.append(
            Figure(
                "packing_efficiency",
                100 * efficiency,
                "%",
                target=(">=", 99.0),
                note="non-padding share of the packed array (documents are cut at sequence "
                f"ends, no padding); drawn tokens kept: {state['info'].get('packing_efficiency')}",
            )
        )
    figures.append(_measure_mt(texts[0][: 500 if quick else 2000]))
    figures.append(_measure_translit(repo, quick))
    return figures


def _corpus_texts(repo: Path) -> tuple[list[str], list[str]]:
    """English and target documents: the cleaned train split when built, else the fixture."""
    for train in sorted((repo / "results" / "data").glob("*/clean/train.jsonl")):
        english, target = [], []
        with open(train, encoding="utf-8") as handle:
            for row in map(json.loads, handle):
                if row.get("en"):
                    english.append(row["en"])
                if row.get("target"):
                    target.append(row["target"])
        if english and target:
            return english, target
    with open(repo / "tests" / "fixtures" / "clean_train.jsonl", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    return [r["en"] for r in rows] * 20, [r["target"] for r in rows] * 20


def _measure_mt(lines: list[str]) -> Figure:
    from langadapt.errors import LangadaptError
    from langadapt.mt import get_translator

    try:
        translator = get_translator({"backend": "apertium", "apertium_pair": "en-gl"})
    except LangadaptError as error:
        return Figure("mt_apertium_sentences_per_s", None, "sentences/s", note=str(error))
    seconds = best_of(lambda: translator.translate(lines), 1)
    return Figure(
        "mt_apertium_sentences_per_s",
        len(lines) / seconds,
        "sentences/s",
        note=f"apertium -u en-gl, {len(lines)} English paragraphs, one process",
    )


def _measure_translit(repo: Path, quick: bool) -> Figure:
    try:
        from langadapt.translit import transliterate_lines
    except ImportError:
        return Figure(
            "translit_sentences_per_s",
            None,
            "sentences/s",
            note="synth stage (langadapt.translit) not on this branch",
        )
    lines = (repo / "tests" / "fixtures" / "hindi.txt").read_text(encoding="utf-8").splitlines()
    lines = [line for line in lines if line.strip()] * (100 if quick else 400)
    seconds = best_of(lambda: transliterate_lines(lines, "itrans"), 1 if quick else 3)
    return Figure(
        "translit_sentences_per_s",
        len(lines) / seconds,
        "sentences/s",
        note=f"Devanagari -> ITRANS, {len(lines):,} lines",
    )
