"""Paper-style tables as LaTeX (booktabs), Markdown and CSV (rule ``paper_tables``).

- ``stages``: base -> CPT -> SFT -> DPO along the main path, target vs English, then one
  reference row per outside model (``evaluation.reference_models``; never compared as an arm),
- ``mixing_ratio``: every CPT arm, including the English-only control (ratio 0), against the
  base model (ᵇ) and the control (ᶜ),
- ``synthetic``: real + synthetic CPT against real-only CPT (ˢ), with the synthetic share,
- ``instructions``: human-translated against machine-translated instructions for SFT (ʰ),
  en→xx against xx→en translation-task data (ᵈ, column ``translation data``), and instruction
  part sets (``sft.part_sets``, column ``instruction parts``) and DPO preference sets
  (``dpo.part_sets``, column ``preference parts``),
- ``cpt``: SFT/DPO with against without continual pre-training (ⁱ),
- ``corpus``: CPT cells that differ only in their corpus set (``cpt.corpus_sets``), with base,
- ``tuning_vs_cpt`` (only with ``paper.tuning_vs_cpt``): x-LLaMA's cross-lingual instruction
  tuning against continued pre-training at equal tokens (ᵗ), with the tokens each trained on.

Rows are arms (grid cells without the seed); a value is the mean over seeds, ``± sd`` when there
are several (column ``seeds``). A marker after a value says which comparison of
``comparisons.csv`` is significant after Holm's correction within the table; the footnote
names the comparisons. A table whose ablation has no cells in the config is written as a note.
The last row, ``baseline``, holds the best trivial baseline of every metric
(``langadapt.paper.baselines``); † marks a model value that does not beat it.
"""

import functools
import math
import re
from pathlib import Path

import pandas as pd

from langadapt.paper.aggregate import BASELINE_STAGE, wide
from langadapt.paper.baselines import baseline_floor, beats_floor
from langadapt.paper.names import MARKERS, TABLE_MARKERS, arm_of

# (metric, Markdown label, LaTeX label, format); "xx" becomes the language code.
METRICS = [
    ("bpc_target", "bpc xx ↓", r"bpc xx $\downarrow$", "{:.2f}"),
    ("bpc_english", "bpc en ↓", r"bpc en $\downarrow$", "{:.2f}"),
    ("bpc_ood_target", "bpc xx OOD ↓", r"bpc xx OOD $\downarrow$", "{:.2f}"),
    ("bpc_ood_english", "bpc en OOD ↓", r"bpc en OOD $\downarrow$", "{:.2f}"),
    ("chrf++_en-xx", "chrF++ en→xx", r"chrF++ en$\rightarrow$xx", "{:.1f}"),
    ("chrf++_xx-en", "chrF++ xx→en", r"chrF++ xx$\rightarrow$en", "{:.1f}"),
    ("bleu_en-xx", "BLEU en→xx", r"BLEU en$\rightarrow$xx", "{:.1f}"),
    ("bleu_xx-en", "BLEU xx→en", r"BLEU xx$\rightarrow$en", "{:.1f}"),
    ("target_language_share_en-xx", "in xx % en→xx", r"in xx \% en$\rightarrow$xx", "pct"),
    ("target_language_share_xx-en", "in en % xx→en", r"in en \% xx$\rightarrow$en", "pct"),
    ("chrf++_ood_en-xx", "chrF++ OOD en→xx", r"chrF++ OOD en$\rightarrow$xx", "{:.1f}"),
    ("chrf++_ood_xx-en", "chrF++ OOD xx→en", r"chrF++ OOD xx$\rightarrow$en", "{:.1f}"),
    ("mc_acc", "MC acc %", r"MC acc \%", "pct"),
    ("if_target_language_share", "IF in xx %", r"IF in xx \%", "pct"),
    ("if_chrf", "IF chrF", "IF chrF", "{:.1f}"),
    ("manual_correct", "manual correct %", r"manual correct \%", "pct"),
    ("synthetic_target_share", "synthetic % of xx tokens", r"synthetic \% of xx tokens", "pct"),
]
SUPERSCRIPT = {"b": "ᵇ", "c": "ᶜ", "s": "ˢ", "i": "ⁱ", "h": "ʰ", "d": "ᵈ", "t": "ᵗ", "†": "†"}
CHECKPOINT_NOTE = ("† a checkpoint comparison: an arm has fewer than 3 seeds, so the test "
                   "(approximate randomisation over items) says these checkpoints differ, not "
                   "that the recipes do; it decides no claim")
BELOW_FLOOR = "‡"  # a model value that does not beat its best trivial baseline
BASELINE_NOTE = (f"Row baseline: the best trivial baseline of each metric (copying the source, "
                 f"echoing the prompt, non-model multiple-choice choosers); {BELOW_FLOOR} does "
                 "not beat it.")
AXIS_LABELS = {"stage": "stage", "ratio": "ratio", "tokens": "tokens", "synth": "synth weight",
               "seeds": "seeds", "init": "init", "instr": "instructions",
               "xlate": "xlate examples", "dir": "translation data", "cell": "cell",
               "parts": "instruction parts", "corpus": "CPT corpus",
               "prefs": "preference parts", "trained": "tokens trained"}


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


def seed_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per arm: grid coordinates, ``seeds``, and per metric its mean and ``<m>__sd``."""
    rows = rows.assign(arm=rows["checkpoint"].map(arm_of))
    metrics = [m for m, *_ in METRICS if m in rows]
    out = []
    for _arm, group in rows.groupby("arm", sort=False):
        first = group.iloc[0].to_dict()
        record = {key: first[key] for key in rows.columns if key not in metrics}
        record["seeds"] = len(group)
        for metric in metrics:
            values = group[metric].dropna()
            record[metric] = values.mean() if len(values) else math.nan
            record[f"{metric}__sd"] = values.std(ddof=1) if len(values) > 1 else math.nan
        out.append(record)
    return pd.DataFrame(out)


def display_frame(rows: pd.DataFrame, axes: list[str], marks: dict | None = None) -> pd.DataFrame:
    """Formatted strings: the ``axes`` columns, then ``mean ± sd`` of every metric present.

    ``rows`` come from :func:`seed_summary`; ``marks``: {(arm, metric): "bc"}.
    """
    integers = ("seeds", "xlate")
    marks = marks or {}
    out = pd.DataFrame({
        AXIS_LABELS.get(axis, axis): rows[axis].map(
            lambda v, a=axis: _axis_value(int(v) if a in integers and v == v else v))
        for axis in axes})
    for metric, label, _, fmt in METRICS:
        if metric not in rows or rows[metric].isna().all():
            continue
        cells = []
        for _, row in rows.iterrows():
            text = _format(row[metric], fmt)
            sd = row.get(f"{metric}__sd", math.nan)
            if text != "–" and sd == sd:
                text += " ± " + _format(sd, fmt)
            mark = "".join(SUPERSCRIPT.get(m, m) for m in marks.get((row["arm"], metric), ""))
            cells.append(text + (" " + mark if mark else ""))
        out[label] = cells
    return out.reset_index(drop=True)


def _latex_label(markdown_label: str) -> str:
    for _, label, latex, _ in METRICS:
        if label == markdown_label:
            return latex
    return _latex_escape(markdown_label)


def _latex_escape(text: str) -> str:
    for char in ("\\", "&", "%", "$", "#", "_", "{", "}"):
        text = text.replace(char, "\\" + char)
    letters = {letter: mark for mark, letter in SUPERSCRIPT.items()} | {"†": r"\dagger"}
    text = re.sub("[" + "".join(letters) + "]+",
                  lambda run: "$^{" + "".join(letters[c] for c in run.group(0)) + "}$", text)
    return (text.replace("–", "--").replace("→", r"$\rightarrow$").replace("±", r"$\pm$")
            .replace(BELOW_FLOOR, r"$^{\ddagger}$"))


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


def footnote(markers: str, level: float = 0.05, methods: str = "",
             checkpoint: bool = False) -> str:
    """What the markers of a table mean, and how values and tests were computed."""
    parts = [f"{SUPERSCRIPT[m]} differs {MARKERS[m]}" for m in markers]
    text = ("Mean ± sd over seeds where a cell has several. "
            + ("; ".join(parts) + f" (exploratory: Holm-corrected within this table, p < "
               f"{level:g}; " + (methods or "approximate randomisation over items") + ")."
               if parts else
               "No comparison of this table is significant after Holm's correction."))
    return text + (f" {CHECKPOINT_NOTE}." if checkpoint else "")


def write_table(table: pd.DataFrame | None, stem, caption: str, lang: str,
                note: str | None = None, notes: str = "") -> None:
    """``stem``.md, .tex and .csv; a ``note`` replaces the rows when ``table`` is None;
    ``notes`` (the footnote) follows the table."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    if table is None or table.empty:
        note = note or "no evaluated cells"
        stem.with_suffix(".md").write_text(f"**{caption}**\n\nOmitted: {note}.\n")
        stem.with_suffix(".tex").write_text(f"% {caption}\n% Omitted: {note}.\n")
        pd.DataFrame({"note": [f"Omitted: {note}."]}).to_csv(stem.with_suffix(".csv"), index=False)
        return
    markdown = to_markdown(table, caption, lang)
    if notes:
        markdown += "\n" + notes + "\n"
        caption = f"{caption}. {notes}"
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
        own = ~dpo["checkpoint"].str.contains("/prefs=", regex=False)  # every preference part
        dpo = dpo[own] if own.any() else dpo
        chosen = dpo.iloc[0]
        keys = [k for k in ("init", "instr", "parts", "xlate", "dir", "seed") if k in sft]
        sft = sft[(sft[keys].fillna("") == chosen[keys].fillna("")).all(axis=1)]
    elif not sft.empty:
        # the run's own translation direction (no dir= part in the path) before other arms
        preferred = sft[(sft["init"] == "cpt") & (sft["instr"] == "mt")
                        & ~sft["checkpoint"].str.contains("/dir=", regex=False)
                        & ~sft["checkpoint"].str.contains("/parts=", regex=False)]
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


def _arms(table: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """Every seed of the arms of ``chosen`` rows, summarised per arm (order kept)."""
    wanted = list(dict.fromkeys(chosen["checkpoint"].map(arm_of)))
    rows = table[table["checkpoint"].map(arm_of).isin(wanted)]
    rows = rows.assign(_order=rows["checkpoint"].map(arm_of).map(wanted.index))
    return seed_summary(rows.sort_values(["_order", "checkpoint"]).drop(columns="_order"))


def stage_table(table, marks) -> pd.DataFrame | None:
    rows = _arms(table, pd.concat([main_path(table), table[table["stage"] == "reference"]]))
    if rows.empty:
        return None
    cells = rows["arm"].map(lambda name: name.partition("/")[2].replace("/", ", ") or "–")
    return display_frame(rows.assign(cell=cells), ["stage", "cell", "seeds"], marks)


def mixing_ratio_table(table, marks) -> tuple[pd.DataFrame | None, str]:
    cpt = table[table["stage"] == "cpt"].sort_values(["ratio", "tokens", "synth", "seed"])
    if cpt["ratio"].nunique() < 2:
        return None, "this config has fewer than two mixing ratios (cpt.grid mixing_ratio)"
    rows = _arms(table, pd.concat([table[table["stage"] == "base"].head(1), cpt]))
    axes = ["stage", "ratio"] + _varying(cpt, ["tokens", "synth", "corpus"]) + ["seeds"]
    return display_frame(rows, axes, marks), ""


def synthetic_table(table, marks) -> tuple[pd.DataFrame | None, str]:
    cpt = table[(table["stage"] == "cpt") & (table["ratio"] > 0)]
    counts = cpt.groupby(["corpus", "ratio", "tokens"], dropna=False)["synth"].transform(
        "nunique")
    cpt = cpt[counts > 1].sort_values(["ratio", "tokens", "synth", "seed"])
    if cpt.empty:
        return None, ("no CPT cells differ only in the synthetic weight (cpt.grid "
                      "synthetic_weight: [0, w]) in this config")
    rows = _arms(table, cpt)
    axes = ["stage", "ratio", "synth"] + _varying(cpt, ["tokens", "corpus"]) + ["seeds"]
    return display_frame(rows, axes, marks), ""


def corpus_table(table, marks) -> tuple[pd.DataFrame | None, str]:
    """CPT cells that differ only in the corpus set (same vocab, ratio, tokens, synth)."""
    cpt = table[table["stage"] == "cpt"]
    keys = ["vocab", "ratio", "tokens", "synth"]
    counts = cpt.groupby(keys, dropna=False)["corpus"].transform("nunique")
    cpt = cpt[counts > 1].sort_values([*keys, "corpus", "seed"])
    if cpt.empty:
        return None, ("no CPT cells differ only in the corpus set (cpt.grid corpus) in this "
                      "config")
    rows = _arms(table, pd.concat([table[table["stage"] == "base"].head(1), cpt]))
    axes = ["stage", "corpus"] + _varying(cpt, ["ratio", "tokens", "synth"]) + ["seeds"]
    return display_frame(rows, axes, marks), ""


def _paired_ablation(table: pd.DataFrame, axis: str, keys: list[str]) -> pd.DataFrame:
    """SFT/DPO rows whose ``keys`` coordinates occur with two or more values of ``axis``."""
    tuned = table[table["stage"].isin(["sft", "dpo"])]
    counts = tuned.groupby(["stage", *keys], dropna=False)[axis].transform("nunique")
    return tuned[counts > 1].sort_values(["stage", *keys, axis, "seed"])


def instructions_table(table, marks) -> tuple[pd.DataFrame | None, str]:
    """Instructions mt vs human, translation-task data en→xx vs xx→en (``dir``), and
    instruction part sets (``parts``)."""
    rows = pd.concat([_paired_ablation(table, "instr", ["init", "xlate", "dir", "parts"]),
                      _paired_ablation(table, "dir", ["init", "instr", "xlate", "parts"]),
                      _paired_ablation(table, "parts", ["init", "instr", "xlate", "dir"]),
                      _paired_ablation(table, "prefs", ["init", "instr", "xlate", "dir",
                                                        "parts"])])
    rows = rows.drop_duplicates("checkpoint").sort_values(["stage", "init", "xlate", "instr",
                                                           "dir", "parts", "seed"])
    if rows.empty:
        return None, ("no SFT/DPO cells differ only in instructions (mt vs human), in "
                      "translation direction or in instruction parts in this config")
    axes = ["stage", "instr"] + _varying(rows, ["parts", "prefs", "dir", "init", "xlate"]) + [
        "seeds"]
    return display_frame(_arms(table, rows), axes, marks), ""


def cpt_table(table, marks) -> tuple[pd.DataFrame | None, str]:
    rows = _paired_ablation(table, "init", ["instr", "xlate", "dir", "parts"])
    if rows.empty:
        return None, "no SFT/DPO cells differ only in init (base vs cpt) in this config"
    axes = ["stage", "init"] + _varying(rows, ["instr", "xlate"]) + ["seeds"]
    summary = _arms(table, rows)
    summary = summary.assign(init=summary["init"].map({"cpt": "with CPT", "base": "without CPT"}))
    return display_frame(summary, axes, marks), ""


CAPTIONS = {
    "stages": "Stage by stage: base model, continual pre-training (CPT), instruction tuning "
              "(SFT) and preference alignment (DPO) on {name} and English",
    "mixing_ratio": "Mixing-ratio ablation of continual pre-training, with the English-only "
                    "control (ratio 0): {name} share of training tokens against {name} and "
                    "English scores",
    "synthetic": "Real + synthetic (machine-translated) against real-only {name} text in "
                 "continual pre-training at equal tokens",
    "instructions": "Machine-translated vs human-translated instructions for SFT, and en→xx "
                    "vs xx→en translation-task data",
    "cpt": "Instruction tuning with and without continual pre-training",
    "corpus": "Continual pre-training on different {name} corpora at equal tokens",
    "tuning_vs_cpt": "Cross-lingual instruction tuning against continued pre-training on {name} "
                     "text at equal tokens",
}
BUILDERS = {"stages": lambda t, m: (stage_table(t, m), "no checkpoints evaluated"),
            "mixing_ratio": mixing_ratio_table, "synthetic": synthetic_table,
            "instructions": instructions_table, "cpt": cpt_table, "corpus": corpus_table}


def tuning_vs_cpt_table(table, marks, pair: dict) -> tuple[pd.DataFrame | None, str]:
    """Base, the CPT arm and the SFT arm of ``pair`` (``paper.tuning_vs_cpt``) with the tokens
    each was trained on."""
    arms = table["checkpoint"].map(arm_of)
    missing = [pair[key] for key in ("cpt", "sft") if not (arms == pair[key]).any()]
    if missing:
        return None, f"{', '.join(missing)} not evaluated"
    chosen = pd.concat([table[table["stage"] == "base"].head(1), table[arms == pair["cpt"]],
                        table[arms == pair["sft"]]])
    rows = _arms(table, chosen)
    cells = rows["arm"].map(lambda name: name.partition("/")[2].replace("/", ", ") or "–")
    tokens = rows["tokens_trained"] if "tokens_trained" in rows else pd.Series(math.nan,
                                                                             rows.index)
    rows = rows.assign(cell=cells, trained=tokens.map(
        lambda n: "–" if n != n else f"{int(n):,}"))
    return display_frame(rows, ["stage", "cell", "seeds", "trained"], marks), ""


def equal_tokens_note(table: pd.DataFrame, pair: dict) -> str:
    """Whether the two arms of ``pair`` trained on equal tokens (within ``tolerance``), and the
    CPT ``token_budget`` that would match when not."""
    arms = table["checkpoint"].map(arm_of)
    if "tokens_trained" not in table:
        return ""
    sft = table.loc[arms == pair["sft"], "tokens_trained"].mean()
    cpt = table.loc[arms == pair["cpt"], "tokens_trained"].mean()
    if not (sft == sft and cpt == cpt and cpt > 0):
        return ""
    gap, tolerance = sft / cpt - 1, pair.get("tolerance", 0.1)
    if abs(gap) <= tolerance:
        return (f"Tokens trained: SFT {sft:,.0f}, CPT {cpt:,.0f} ({gap:+.0%}): equal within "
                f"{tolerance:.0%}.")
    return (f"Tokens trained: SFT {sft:,.0f}, CPT {cpt:,.0f} ({gap:+.0%}): not equal; set the "
            f"CPT cell's token_budget to about {sft:,.0f} (times 1/cpt.epochs).")


BASELINES_CAPTION = ("Trivial baselines on the held-out items: copying the source, echoing the "
                     "prompt, and every non-model multiple-choice chooser (Wilson 95 % interval)")
BASELINES_NOTE = ("The floor a model must beat: the baseline row of every other table is the "
                  "best of these per metric. Choosers pick one of the 4 choices from the text "
                  "alone (length, overlap with the English source, word frequency); chance is "
                  "25 %.")


def baselines_table(table: pd.DataFrame, lang: str) -> pd.DataFrame | None:
    """Every trivial baseline (stage ``baseline``) with each metric it has, one row a metric,
    and the 95 % interval where it has one (the multiple-choice choosers)."""
    rows = []
    for record in table[table["stage"] == BASELINE_STAGE].to_dict("records"):
        name = record["checkpoint"].split("/", 1)[1]
        for metric, label, _, fmt in METRICS:
            value = record.get(metric)
            if value is None or pd.isna(value):
                continue
            low, high = record.get(f"{metric}_ci_low"), record.get(f"{metric}_ci_high")
            interval = ("–" if low is None or pd.isna(low)
                        else f"[{_format(low, fmt)}, {_format(high, fmt)}]")
            rows.append({"baseline": name, "metric": label.replace("xx", lang),
                         "value": _format(value, fmt),
                         "95 % interval": interval})
    return pd.DataFrame(rows) if rows else None


def table_marks(comparisons: pd.DataFrame | None, name: str) -> tuple[dict, str]:
    """{(arm, metric): markers} of the significant comparisons of table ``name``, and the
    test methods used."""
    if comparisons is None or comparisons.empty:
        return {}, ""
    rows = comparisons[(comparisons["table"] == name) & comparisons["significant"].astype(bool)]
    marks: dict = {}
    for row in rows.itertuples():
        label = row.marker + ("†" if getattr(row, "level", "recipe") == "checkpoint" else "")
        marks[(row.arm, row.metric)] = marks.get((row.arm, row.metric), "") + label
    methods = "; ".join(sorted(set(comparisons.loc[comparisons["table"] == name, "method"])))
    return marks, methods


def floor_marks(models: pd.DataFrame, floors: dict) -> dict:
    """{(arm, metric): BELOW_FLOOR} of every arm whose mean does not beat the metric's floor."""
    marks = {}
    for _, row in seed_summary(models).iterrows():
        for metric, floor in floors.items():
            if beats_floor(row.get(metric, math.nan), floor, metric) is False:
                marks[(row["arm"], metric)] = BELOW_FLOOR
    return marks


def baseline_row(frame: pd.DataFrame, floors: dict) -> pd.DataFrame:
    """``frame`` with a last row ``baseline``: each shown metric's floor and its baseline."""
    labels = {label: (metric, fmt) for metric, label, _, fmt in METRICS}
    row = {}
    for column in frame.columns:
        metric, fmt = labels.get(column, (None, None))
        floor = floors.get(metric)
        row[column] = f"{_format(floor[1], fmt)} ({floor[0]})" if floor else "–"
    row[frame.columns[0]] = "baseline"
    return pd.concat([frame, pd.DataFrame([row])], ignore_index=True)


def write_tables(metrics: pd.DataFrame, out_dir, lang: str, language_name: str,
                 comparisons: pd.DataFrame | None = None, level: float = 0.05,
                 disclosure: str = "", tuning_vs_cpt: dict | None = None) -> dict:
    """Write the tables to ``out_dir``; returns {name: note or ''}. ``disclosure`` (base model,
    dtypes, seeds, demo caveat) follows every footnote; ``tuning_vs_cpt`` (config
    ``paper.tuning_vs_cpt``) adds table tuning_vs_cpt."""
    out_dir = Path(out_dir)
    table = wide(metrics)
    write_table(baselines_table(table, lang), out_dir / "baselines", BASELINES_CAPTION, lang,
                "no baselines in this run", " ".join(filter(None, [BASELINES_NOTE, disclosure])))
    floors = {metric: baseline_floor(table, metric) for metric, *_ in METRICS}
    floors = {metric: floor for metric, floor in floors.items() if floor}
    table = table[table["stage"] != BASELINE_STAGE].reset_index(drop=True)
    below = floor_marks(table, floors)
    notes = {}
    builders, extra = dict(BUILDERS), {}
    if tuning_vs_cpt:
        builders["tuning_vs_cpt"] = functools.partial(tuning_vs_cpt_table, pair=tuning_vs_cpt)
        extra["tuning_vs_cpt"] = equal_tokens_note(table, tuning_vs_cpt)
    for name, build in builders.items():
        marks, methods = table_marks(comparisons, name)
        for key, mark in below.items():
            marks[key] = marks.get(key, "") + mark
        frame, note = build(table, marks)
        used = "".join(m for m in TABLE_MARKERS[name] if any(m in v for v in marks.values()))
        caption = CAPTIONS[name].format(name=language_name)
        checkpoint = any("†" in v for v in marks.values())
        text = footnote(used, level, methods, checkpoint)
        if frame is not None and floors:
            frame = baseline_row(frame, floors)
            text += " " + BASELINE_NOTE
        text = " ".join(filter(None, [extra.get(name, ""), text, disclosure]))
        write_table(frame, out_dir / name, caption, lang, note if frame is None else None, text)
        notes[name] = note if frame is None else ""
    return notes
