"""Figures as PDF and PNG, sized for one column (3.4 in wide) (rules ``paper_figures`` and
``paper_loss_curves``):

- ``forgetting``: target and (out-of-domain when measured) English bits per character against
  the CPT mixing ratio, one series per synthetic weight and token budget, mean ± sd over seeds,
- ``scaling``: translation chrF++ / BLEU against translation-data size with the fitted law and
  the best trivial baseline of each score (copying the source) as a dotted floor,
- ``loss_curves``: training loss per stage, one line per cell, and the held-out dev loss of
  the cells that evaluated (``eval_log.csv``, ``tracking.eval_steps``).
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator, NullFormatter  # noqa: E402

from langadapt.paper.scaling_law import scaling_law  # noqa: E402

COLUMN_WIDTH = 3.4  # inches: one column of a two-column paper
STYLE = {"font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8, "legend.fontsize": 7,
         "xtick.labelsize": 7, "ytick.labelsize": 7, "lines.markersize": 4,
         "axes.spines.top": False, "axes.spines.right": False, "savefig.dpi": 300,
         "pdf.fonttype": 42}


def save(fig, stem) -> None:
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(stem.with_suffix(".pdf"), bbox_inches="tight")
    fig.savefig(stem.with_suffix(".png"), bbox_inches="tight", dpi=200)
    plt.close(fig)


def _empty(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


def english_bpc_metric(table: pd.DataFrame) -> str:
    """Out-of-domain English bpc when the evaluation measured it, else held-out help English."""
    for metric in ("bpc_ood_english", "bpc_english"):
        if metric in table and table[metric].notna().any():
            return metric
    return "bpc_english"


def forgetting_series(cpt: pd.DataFrame, metric: str) -> dict:
    """{(synth, tokens): frame of ratio, mean, sd, seeds}: one series per value of every axis
    the figure does not show on x (synthetic weight, tokens); seeds are averaged, nothing else.
    The English-only control (ratio 0) joins every series as its first point."""
    series = {}
    control = cpt[cpt["ratio"] == 0]
    for key, group in cpt[cpt["ratio"] > 0].groupby(["synth", "tokens"], sort=True):
        same_tokens = control[control["tokens"] == key[1]]
        rows = pd.concat([same_tokens, group])
        stats = rows.groupby("ratio")[metric].agg(["mean", "std", "count"]).sort_index()
        series[key] = stats
    return series


def forgetting_figure(table: pd.DataFrame, stem, language_name: str) -> dict[str, int]:
    """Target and English bpc against the mixing ratio: one line per synthetic weight (and
    token budget), mean ± sd over seeds; ratio 0 is the English-only control; dashed: base.
    Returns the number of series drawn per panel metric."""
    drawn = {}
    english = english_bpc_metric(table)
    panels = (("bpc_target", f"{language_name} bpc"),
              (english, "English bpc" + (" (out of domain)" if "ood" in english else "")))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(COLUMN_WIDTH * 2, 2.3))
        # base-tokenizer cells only: extended-vocabulary cells have their own figure
        cpt = table[(table["stage"] == "cpt") & (table["vocab"].fillna(0) == 0)]
        base = table[table["stage"] == "base"]
        for ax, (metric, title) in zip(axes, panels, strict=True):
            if cpt.empty or metric not in cpt or cpt[metric].isna().all():
                _empty(ax, "no CPT cells evaluated")
                continue
            series = forgetting_series(cpt, metric)
            drawn[metric] = len(series)
            for (synth, tokens), stats in series.items():
                ax.errorbar(stats.index, stats["mean"], yerr=stats["std"].fillna(0), marker="o",
                            capsize=2, label=f"synth weight {synth:g}, {tokens} tokens")
            if not base.empty and metric in base:
                ax.axhline(base[metric].iloc[0], color="grey", linestyle="--", linewidth=0.8,
                           label="base model")
            ax.set_title(title, loc="left")
            ax.set_xlabel(f"{language_name} share of CPT tokens (0 = English-only control)")
            ax.set_ylabel("bits per character ↓")
            ax.set_xticks(sorted(cpt["ratio"].unique()))
        handles, labels = axes[0].get_legend_handles_labels()
        if handles:
            fig.legend(handles, labels, frameon=False, ncol=3, loc="lower center",
                       bbox_to_anchor=(0.5, -0.12))
        fig.tight_layout()
        save(fig, stem)
    return drawn


def scaling_figure(scaling: dict, stem, lang: str, floors: dict | None = None) -> list[str]:
    """Scores against translation examples with the fitted law; ``floors`` {metric: (baseline,
    value)} (``langadapt.paper.baselines.baseline_floor``) draws each metric's best trivial
    baseline as a dotted line. Returns the legend labels."""
    labels = {"chrf++": "chrF++", "bleu": "BLEU", "spbleu": "spBLEU", "comet": "COMET×100"}
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 2.4))
        plotted = False
        for (metric, fit), colour, marker in zip(scaling["fits"].items(),
                                                 ("tab:blue", "tab:green", "tab:orange"),
                                                 ("o", "^", "s"),
                                                 strict=False):
            if not fit["x"]:
                continue
            name, _, direction = metric.partition("_")
            label = f"{labels.get(name, name)} {direction.replace('xx', lang).replace('-', '→')}"
            ax.scatter(fit["x"], fit["y"], color=colour, marker=marker, zorder=3, label=label)
            plotted = True
            floor = (floors or {}).get(metric)
            if floor:
                ax.axhline(floor[1], color=colour, linestyle=":", linewidth=1,
                           label=f"{floor[0].replace('_', ' ')} (baseline)")
            if fit.get("fitted"):
                xs = np.geomspace(min(fit["x"]) / 1.5, max(fit["x"]) * 1.5, 100)
                ax.plot(xs, scaling_law(xs, fit["a"], fit["b"], fit["g"]), color=colour,
                        linewidth=1, label=f"fit (R²={fit['r_squared']:.2f})")
        if not plotted:
            _empty(ax, "no SFT cells with translation examples")
        else:
            ax.set_xscale("log")
            # one plain label per measured size (log-axis minor labels overlap on a short span)
            sizes = sorted({x for fit in scaling["fits"].values() for x in fit["x"]})
            ax.set_xticks(sizes, [f"{x:g}" for x in sizes])
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.set_xlabel("translation examples in SFT (log scale)")
            ax.set_ylabel("score")
            notes = [f"{labels.get(m.split('_')[0], m)}: {f['reason']}"
                     for m, f in scaling["fits"].items() if f["x"] and not f.get("fitted")]
            if notes:
                ax.set_title("no fit: " + notes[0].split(": ", 1)[1], fontsize=7)
            ax.legend(frameon=False, loc="best")
        labels_drawn = ax.get_legend_handles_labels()[1]
        save(fig, stem)
    return labels_drawn


def _short_labels(names: list[str]) -> list[str]:
    """Cell labels that keep only the coordinates that differ between ``names``."""
    parts = [name.split("/")[1:] for name in names]
    varying = [i for i in range(len(parts[0])) if len({tuple(p)[i] for p in parts}) > 1]
    if not varying:
        return [", ".join(p) for p in parts]
    return [", ".join(p[i] for i in varying) for p in parts]


def loss_series(logs: dict) -> dict:
    """``logs``: {checkpoint name: train_log.csv path} -> {name: {series: (steps, losses)}}:
    ``train`` and, where the cell evaluated (``eval_log.csv`` beside it, written by the same
    job), ``dev <set>`` for each ``eval_<set>_loss`` column."""
    series = {}
    for name, path in logs.items():
        if not Path(path).exists():
            continue
        frame = pd.read_csv(path)
        if frame.empty or "loss" not in frame:
            continue
        frame = frame.dropna(subset=["loss"])
        series[name] = {"train": (frame["step"].tolist(), frame["loss"].tolist())}
        eval_log = Path(path).with_name("eval_log.csv")
        if eval_log.exists():
            evals = pd.read_csv(eval_log)
            for column in evals.columns:
                if column.startswith("eval_") and column.endswith("_loss"):
                    rows = evals.dropna(subset=[column])
                    series[name][f"dev {column[5:-5]}"] = (rows["step"].tolist(),
                                                           rows[column].tolist())
    return series


def loss_curves_figure(logs: dict, stem) -> dict:
    """``logs``: {checkpoint name: train_log.csv path}; one panel per stage, training loss
    solid and held-out dev loss dashed/dotted in the cell's colour. Returns what it drew
    (``loss_series``)."""
    series = loss_series(logs)
    stages = [s for s in ("cpt", "sft", "dpo") if any(n.startswith(s + "/") for n in series)]
    with plt.rc_context(STYLE):
        if not stages:
            fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 1.5))
            _empty(ax, "no training logs")
            save(fig, stem)
            return series
        fig, axes = plt.subplots(len(stages), 1, figsize=(COLUMN_WIDTH, 1.7 * len(stages)),
                                 squeeze=False)
        for ax, stage in zip(axes[:, 0], stages, strict=True):
            names = [name for name in series if name.startswith(stage + "/")]
            for name, label in zip(names, _short_labels(names), strict=True):
                (line,) = ax.plot(*series[name]["train"], linewidth=1, label=label)
                dev = [key for key in series[name] if key != "train"]
                for key, style in zip(dev, ("--", ":", "-."), strict=False):
                    ax.plot(*series[name][key], linestyle=style, linewidth=1,
                            color=line.get_color(), label=f"{label} ({key})")
            evaluated = any(len(series[name]) > 1 for name in names)
            ax.set_title(stage.upper(), loc="left", fontweight="bold")
            ax.set_ylabel("train / dev loss" if evaluated else "training loss")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.legend(frameon=False, fontsize=6, loc="upper right")
        axes[-1, 0].set_xlabel("optimizer step")
        fig.tight_layout()
        save(fig, stem)
    return series
