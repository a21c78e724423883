"""Does extending the vocabulary pay off? (rule ``paper_vocabulary``)

One row per checkpoint (the base model and every CPT cell): the size of its vocabulary,
fertility on held-out text (tokens per word, characters per token; target and English),
bits per character (tokenizer-independent, so comparable across vocabularies), training and
generation characters per second. An extended cell (``vocab=N/...``) is compared with its twin,
the same cell with the base tokenizer (or the base model when the grid has no twin): ``*``
marks a difference at p < 0.05 by paired bootstrap, over held-out documents for tokens per
word and over prompts for generation characters/s (bits per character is one number per
checkpoint: no test).
"""

import numpy as np
import pandas as pd

from langadapt.paper.figures import COLUMN_WIDTH, STYLE, save
from langadapt.paper.tables import write_table
from langadapt.textio import read_json, read_jsonl

CAPTION = ("Vocabulary extension: fertility, bits per character and throughput, base vs "
           "extended tokenizer (* : differs from the same cell with the base tokenizer)")
SIGNIFICANCE = 0.05


def document_fertility(tokenizer, texts: list[str]) -> dict:
    """Tokens per word and characters per token of ``texts``, with per-document counts."""
    tokens = np.array([len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]])
    words = np.array([len(text.split()) for text in texts])
    characters = sum(len(text) for text in texts)
    return {"tokens_per_word": tokens.sum() / max(words.sum(), 1),
            "chars_per_token": characters / max(tokens.sum(), 1),
            "tokens": tokens, "words": words}


def paired_bootstrap_p(system, baseline, resamples: int = 1000, seed: int = 1) -> float:
    """Two-sided p of ``mean(system - baseline) != 0`` by paired bootstrap over items."""
    difference = np.asarray(system, dtype=float) - np.asarray(baseline, dtype=float)
    if len(difference) < 2 or not difference.any():
        return 1.0
    rng = np.random.default_rng(seed)
    means = difference[rng.integers(0, len(difference), (resamples, len(difference)))].mean(1)
    centred = means - difference.mean()
    return float((np.abs(centred) >= abs(difference.mean())).mean())


def twin_of(checkpoint: str, names) -> str:
    """The same CPT cell with the base tokenizer, or ``base`` when the grid lacks it."""
    parts = checkpoint.split("/")
    twin = "/".join(part for part in parts if not part.startswith("vocab="))
    return twin if twin in names else "base"


def vocab_size_of(checkpoint: str) -> int:
    for part in checkpoint.split("/"):
        if part.startswith("vocab="):
            return int(part.removeprefix("vocab="))
    return 0


def vocabulary_frame(checkpoints: list[str], tokenizer_dirs: dict, test_path, metrics: dict,
                     throughput: dict, resamples: int = 1000) -> pd.DataFrame:
    """The table's rows: ``tokenizer_dirs`` {added tokens: model dir}, ``metrics`` and
    ``throughput`` {checkpoint: JSON path}."""
    from transformers import AutoTokenizer

    records = list(read_jsonl(test_path))
    texts = {side: [r[field] for r in records if (r.get(field) or "").strip()]
             for side, field in (("target", "target"), ("english", "en"))}
    fertility = {}
    for size, model_dir in tokenizer_dirs.items():
        tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        fertility[size] = {"vocabulary": len(tokenizer),
                           **{side: document_fertility(tokenizer, side_texts)
                              for side, side_texts in texts.items()}}
    speeds = {name: read_json(path) for name, path in throughput.items()}
    rows = []
    for name in checkpoints:
        size = vocab_size_of(name)
        scores = read_json(metrics[name])["metrics"]
        speed = speeds[name]
        row = {"checkpoint": name, "added tokens": size,
               "vocabulary": fertility[size]["vocabulary"]}
        for side, label in (("target", "xx"), ("english", "en")):
            row[f"tokens/word {label}"] = fertility[size][side]["tokens_per_word"]
            row[f"chars/token {label}"] = fertility[size][side]["chars_per_token"]
        row["bpc xx"] = scores.get("bpc_target")
        row["bpc en"] = scores.get("bpc_english")
        row["train chars/s"] = speed.get("training", {}).get("chars_per_s")
        row["gen chars/s"] = speed["generation"]["chars_per_s"]
        if size:
            twin = twin_of(name, checkpoints)
            row["compared with"] = twin
            row["p tokens/word xx"] = paired_bootstrap_p(
                fertility[size]["target"]["tokens"], fertility[0]["target"]["tokens"], resamples)
            row["p gen chars/s"] = paired_bootstrap_p(
                speed["generation"]["per_prompt_chars_per_s"],
                speeds[twin]["generation"]["per_prompt_chars_per_s"], resamples)
        rows.append(row)
    return pd.DataFrame(rows)


def display_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Rounded strings; ``*`` on values that differ from the twin at p < 0.05."""
    shown = pd.DataFrame({"checkpoint": frame["checkpoint"],
                          "added tokens": frame["added tokens"].astype(int).astype(str),
                          "vocabulary": frame["vocabulary"].astype(int).astype(str)})
    formats = {"tokens/word xx": "{:.2f}", "chars/token xx": "{:.2f}", "tokens/word en": "{:.2f}",
               "chars/token en": "{:.2f}", "bpc xx": "{:.3f}", "bpc en": "{:.3f}",
               "train chars/s": "{:.0f}", "gen chars/s": "{:.0f}"}
    tests = {"tokens/word xx": "p tokens/word xx", "gen chars/s": "p gen chars/s"}
    for column, fmt in formats.items():
        values = []
        for _, row in frame.iterrows():
            value = row[column]
            text = "–" if value is None or pd.isna(value) else fmt.format(value)
            p = row.get(tests.get(column, ""), np.nan)
            if text != "–" and p is not None and not pd.isna(p) and p < SIGNIFICANCE:
                text += "*"
            values.append(text)
        shown[column] = values
    return shown


def vocabulary_figure(frame: pd.DataFrame, stem, language_name: str) -> None:
    """Four panels, one bar per checkpoint: target tokens/word, target bpc, training and
    generation characters/s; extended vocabularies hatched."""
    import matplotlib.pyplot as plt

    panels = [("tokens/word xx", f"{language_name} tokens/word"),
              ("bpc xx", f"{language_name} bits/char"),
              ("train chars/s", "training chars/s"), ("gen chars/s", "generation chars/s")]
    labels = [name.replace("cpt/", "").replace("/", "\n") for name in frame["checkpoint"]]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(2, 2, figsize=(COLUMN_WIDTH * 2, COLUMN_WIDTH * 1.4))
        for ax, (column, title) in zip(axes.ravel(), panels, strict=True):
            values = pd.to_numeric(frame[column], errors="coerce").fillna(0.0)
            bars = ax.bar(range(len(frame)), values, color="#4c72b0")
            for bar, size in zip(bars, frame["added tokens"], strict=True):
                if size:
                    bar.set_hatch("//")
                    bar.set_color("#dd8452")
            ax.set_title(title)
            ax.set_xticks(range(len(frame)), labels, fontsize=5)
        fig.tight_layout()
        save(fig, stem)


def write_vocabulary_outputs(frame: pd.DataFrame, table_stem, figure_stem, lang: str,
                             language_name: str) -> None:
    """Table (.md, .tex; .csv at full precision with p-values) and figure (.pdf, .png)."""
    write_table(display_table(frame), table_stem, CAPTION, lang)
    frame.to_csv(f"{table_stem}.csv", index=False)  # full precision and p-values
    vocabulary_figure(frame, figure_stem, language_name)
