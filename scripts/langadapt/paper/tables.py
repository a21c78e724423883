"""Paper-style tables as LaTeX (booktabs), Markdown and CSV (rule ``paper_tables``).

- ``stages``: base -> CPT -> SFT -> DPO along the main path, target vs English,
- ``mixing_ratio``: the CPT mixing-ratio ablation (forgetting trade-off),
- ``instructions``: machine-translated vs human instructions for SFT,
- ``cpt``: SFT/DPO with vs without continual pre-training.

A table whose ablation has no cells in the config is written as a note, not left out silently.
Scores that differ from the base model by paired bootstrap (p < 0.05) carry a ``*``.
"""

import math
from pathlib import Path

import pandas as pd

from langadapt.paper.aggregate import wide

# (metric, Markdown label, LaTeX label, format); "xx" becomes the language code.
METRICS = [
    ("bpc_target", "bpc xx ↓", r"bpc xx $\downarrow$", "{:.3f}"),
    ("bpc_english", "bpc en ↓", r"bpc en $\downarrow$", "{:.3f}"),
    ("chrf++_en-xx", "chrF++ en→xx", r"chrF++ en$\rightarrow$xx", "{:.1f}"),
    ("chrf++_xx-en", "chrF++ xx→en", r"chrF++ xx$\rightarrow$en", "{:.1f}"),
    ("bleu_en-xx", "BLEU en→xx", r"BLEU en$\rightarrow$xx", "{:.1f}"),
    ("bleu_xx-en", "BLEU xx→en", r"BLEU xx$\rightarrow$en", "{:.1f}"),
    ("mc_acc", "MC acc %", r"MC acc \%", "pct"),
    ("if_target_language_share", "IF in xx %", r"IF in xx \%", "pct"),
    ("if_chrf", "IF chrF", "IF chrF", "{:.1f}"),
    ("manual_correct", "manual correct %", r"manual correct \%", "pct"),
]
SIGNIFICANT = 0.05
AXIS_LABELS = {"stage": "stage", "ratio": "ratio", "tokens": "tokens", "synth": "synth weight",
               "seed": "seed", "init": "init", "instr": "instructions", "xlate": "xlate examples"}


def _format(value, fmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if fmt == "pct":
        return f"{100 * value:.1f}"
    return fmt.format(value)


def _axis_value(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return str(value)


def display_frame(rows: pd.DataFrame, axes: list[str]) -> pd.DataFrame:
    """Formatted strings: the ``axes`` columns, then every metric present in ``rows``."""
    integers = ("seed", "xlate")
    out = pd.DataFrame({
        AXIS_LABELS.get(axis, axis): rows[axis].map(
            lambda v, a=axis: _axis_value(int(v) if a in integers and v == v else v))
        for axis in axes})
    for metric, label, _, fmt in METRICS:
        if metric not in rows or rows[metric].isna().all():
            continue
        cells = rows[metric].map(lambda v, f=fmt: _format(v, f))
        p_column = f"{metric}_p_vs_base"
        if p_column in rows:
            marks = rows[p_column].map(lambda p: "*" if p == p and p < SIGNIFICANT else "")
            cells = cells + marks
        out[label] = cells.to_numpy()
    return out.reset_index(drop=True)


def _latex_label(markdown_label: str) -> str:
    for _, label, latex, _ in METRICS:
        if label == markdown_label:
            return latex
    return _latex_escape(markdown_label)


def _latex_escape(text: str) -> str:
    for char in ("\\", "&", "%", "$", "#", "_", "{", "}"):
        text = text.replace(char, "\\" + char)
    return text.replace("–", "--").replace("→", r"$\rightarrow$")


def to_markdown(table: pd.DataFrame, caption: str, lang: str) -> str:
    headers = [h.replace("xx", lang) for h in table.columns]
    lines = [f"**{caption}**", "", "| " + " | ".join(headers) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|"]
    for _, row in table.iterrows():
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def to_latex(table: pd.DataFrame, caption: str, label: str, lang: str) -> str:
    columns = "l" * 1 + "r" * (len(table.columns) - 1)
    headers = [_latex_label(h).replace("xx", lang) for h in table.columns]
    lines = [r"\begin{table}[t]", r"\centering", r"\small",
             rf"\begin{{tabular}}{{{columns}}}", r"\toprule", " & ".join(headers) + r" \\",
             r"\midrule"]
    for _, row in table.iterrows():
        lines.append(" & ".join(_latex_escape(str(v)) for v in row) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", rf"\caption{{{_latex_escape(caption)}}}",
              rf"\label{{tab:{label}}}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def write_table(table: pd.DataFrame | None, stem, caption: str, lang: str,
                note: str | None = None) -> None:
    """``stem``.md, .tex and .csv; a ``note`` replaces the rows when ``table`` is None."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    if table is None or table.empty:
        note = note or "no evaluated cells"
        stem.with_suffix(".md").write_text(f"**{caption}**\n\nOmitted: {note}.\n")
        stem.with_suffix(".tex").write_text(f"% {caption}\n% Omitted: {note}.\n")
        pd.DataFrame({"note": [f"Omitted: {note}."]}).to_csv(stem.with_suffix(".csv"), index=False)
        return
    footnote = "* differs from the base model (paired bootstrap, p < 0.05)."
    markdown = to_markdown(table, caption, lang)
    if any("*" in str(v) for v in table.to_numpy().ravel()):
        markdown += "\n\\" + footnote + "\n"
        caption = f"{caption}. {footnote}"
    stem.with_suffix(".md").write_text(markdown)
    stem.with_suffix(".tex").write_text(to_latex(table, caption, stem.name, lang))
    table.rename(columns=lambda c: c.replace("xx", lang)).to_csv(stem.with_suffix(".csv"),
                                                                  index=False)


def main_path(table: pd.DataFrame) -> pd.DataFrame:
    """base, then the CPT cell SFT starts from, the SFT cell DPO aligns, and that DPO cell."""
    rows = [table[table["stage"] == "base"].head(1)]
    dpo = table[table["stage"] == "dpo"]
    sft = table[table["stage"] == "sft"]
    if not dpo.empty:
        chosen = dpo.iloc[0]
        keys = ["init", "instr", "xlate", "seed"]
        sft = sft[(sft[keys] == chosen[keys]).all(axis=1)]
    elif not sft.empty:
        preferred = sft[(sft["init"] == "cpt") & (sft["instr"] == "mt")]
        sft = (preferred if not preferred.empty else sft).sort_values("xlate", ascending=False)
    sft = sft.head(1)
    cpt = table[table["stage"] == "cpt"]
    if not sft.empty and sft.iloc[0]["init"] == "cpt":
        match = cpt[(cpt[["ratio", "tokens", "synth"]] == sft.iloc[0][["ratio", "tokens", "synth"]])
                    .all(axis=1)]
        cpt = match if not match.empty else cpt
    rows += [cpt.head(1), sft]
    if not dpo.empty:
        rows.append(dpo.head(1))
    return pd.concat(rows).reset_index(drop=True)


def _varying(rows: pd.DataFrame, axes: list[str]) -> list[str]:
    return [axis for axis in axes if rows[axis].astype(str).nunique() > 1]


def stage_table(table: pd.DataFrame) -> pd.DataFrame | None:
    rows = main_path(table)
    if rows.empty:
        return None
    cells = rows["checkpoint"].map(lambda name: name.partition("/")[2].replace("/", ", ") or "–")
    return display_frame(rows.assign(cell=cells), ["stage", "cell"])


def mixing_ratio_table(table: pd.DataFrame) -> tuple[pd.DataFrame | None, str]:
    cpt = table[table["stage"] == "cpt"].sort_values(["ratio", "tokens", "synth", "seed"])
    if cpt["ratio"].nunique() < 2:
        return None, "this config has fewer than two mixing ratios (cpt.grid mixing_ratio)"
    base = table[table["stage"] == "base"].head(1)
    rows = pd.concat([base, cpt]).reset_index(drop=True)
    axes = ["stage", "ratio"] + [a for a in _varying(cpt, ["tokens", "synth", "seed"])]
    return display_frame(rows, axes), ""


def _paired_ablation(table: pd.DataFrame, axis: str, keys: list[str]) -> pd.DataFrame:
    """SFT/DPO rows whose ``keys`` coordinates occur with two or more values of ``axis``."""
    tuned = table[table["stage"].isin(["sft", "dpo"])]
    counts = tuned.groupby(["stage", *keys], dropna=False)[axis].transform("nunique")
    return tuned[counts > 1].sort_values(["stage", *keys, axis])


def instructions_table(table: pd.DataFrame) -> tuple[pd.DataFrame | None, str]:
    rows = _paired_ablation(table, "instr", ["init", "xlate", "seed"])
    if rows.empty:
        return None, "no SFT/DPO cells differ only in instructions (mt vs human) in this config"
    axes = ["stage", "instr"] + _varying(rows, ["init", "xlate", "seed"])
    return display_frame(rows, axes), ""


def cpt_table(table: pd.DataFrame) -> tuple[pd.DataFrame | None, str]:
    rows = _paired_ablation(table, "init", ["instr", "xlate", "seed"])
    if rows.empty:
        return None, "no SFT/DPO cells differ only in init (base vs cpt) in this config"
    axes = ["stage", "init"] + _varying(rows, ["instr", "xlate", "seed"])
    return display_frame(rows.assign(init=rows["init"].map({"cpt": "with CPT",
                                                            "base": "without CPT"})), axes), ""


CAPTIONS = {
    "stages": "Stage by stage: base model, continual pre-training (CPT), instruction tuning "
              "(SFT) and preference alignment (DPO) on {name} and English",
    "mixing_ratio": "Mixing-ratio ablation of continual pre-training: {name} share of training "
                    "tokens against {name} and English scores",
    "instructions": "Machine-translated vs human-translated instructions for SFT",
    "cpt": "Instruction tuning with and without continual pre-training",
}


def write_tables(metrics: pd.DataFrame, out_dir, lang: str, language_name: str) -> dict:
    """Write the four tables to ``out_dir``; returns {name: note or ''}."""
    table = wide(metrics)
    out_dir = Path(out_dir)
    built = {"stages": (stage_table(table), "no checkpoints evaluated"),
             "mixing_ratio": mixing_ratio_table(table),
             "instructions": instructions_table(table),
             "cpt": cpt_table(table)}
    notes = {}
    for name, (frame, note) in built.items():
        caption = CAPTIONS[name].format(name=language_name)
        write_table(frame, out_dir / name, caption, lang, note if frame is None else None)
        notes[name] = note if frame is None else ""
    return notes
