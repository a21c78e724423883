"""Figures as PDF and PNG, sized for one column (3.4 in wide) (rules ``paper_figures`` and
``paper_loss_curves``):

- ``forgetting``: target vs English bits per character against the CPT mixing ratio,
- ``scaling``: translation chrF++ / BLEU against translation-data size with the fitted law,
- ``loss_curves``: training loss per stage, one line per cell.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

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


def forgetting_figure(table: pd.DataFrame, stem, language_name: str) -> None:
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 2.3))
        cpt = table[(table["stage"] == "cpt")]
        if cpt.empty or "bpc_target" not in cpt:
            _empty(ax, "no CPT cells evaluated")
        else:
            series = cpt.groupby("ratio")[["bpc_target", "bpc_english"]].mean().sort_index()
            base = table[table["stage"] == "base"]
            for column, label, colour, marker in (
                ("bpc_target", language_name, "tab:blue", "o"),
                ("bpc_english", "English", "tab:orange", "s"),
            ):
                ax.plot(series.index, series[column], marker=marker, color=colour,
                        label=f"{label} (CPT)")
                if not base.empty and column in base:
                    ax.axhline(base[column].iloc[0], color=colour, linestyle="--", linewidth=0.8,
                               label=f"{label} (base)")
            ax.set_xlabel(f"{language_name} share of CPT tokens (mixing ratio)")
            ax.set_ylabel("bits per character (lower is better)")
            ax.set_xticks(series.index)
            ax.legend(frameon=False, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.28))
        save(fig, stem)


def scaling_figure(scaling: dict, stem, lang: str) -> None:
    labels = {"chrf++": "chrF++", "bleu": "BLEU"}
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 2.4))
        plotted = False
        for (metric, fit), colour, marker in zip(scaling["fits"].items(),
                                                 ("tab:blue", "tab:green"), ("o", "^"),
                                                 strict=False):
            if not fit["x"]:
                continue
            name, _, direction = metric.partition("_")
            label = f"{labels.get(name, name)} {direction.replace('xx', lang).replace('-', '→')}"
            ax.scatter(fit["x"], fit["y"], color=colour, marker=marker, zorder=3, label=label)
            plotted = True
            if fit.get("fitted"):
                xs = np.geomspace(min(fit["x"]) / 1.5, max(fit["x"]) * 1.5, 100)
                ax.plot(xs, scaling_law(xs, fit["a"], fit["b"], fit["g"]), color=colour,
                        linewidth=1, label=f"fit (R²={fit['r_squared']:.2f})")
        if not plotted:
            _empty(ax, "no SFT cells with translation examples")
        else:
            ax.set_xscale("log")
            ax.set_xlabel("translation examples in SFT (log scale)")
            ax.set_ylabel("score")
            notes = [f"{labels.get(m.split('_')[0], m)}: {f['reason']}"
                     for m, f in scaling["fits"].items() if f["x"] and not f.get("fitted")]
            if notes:
                ax.set_title("no fit: " + notes[0].split(": ", 1)[1], fontsize=7)
            ax.legend(frameon=False, loc="best")
        save(fig, stem)


def _short_labels(names: list[str]) -> list[str]:
    """Cell labels that keep only the coordinates that differ between ``names``."""
    parts = [name.split("/")[1:] for name in names]
    varying = [i for i in range(len(parts[0])) if len({tuple(p)[i] for p in parts}) > 1]
    if not varying:
        return [", ".join(p) for p in parts]
    return [", ".join(p[i] for i in varying) for p in parts]


def loss_curves_figure(logs: dict, stem) -> None:
    """``logs``: {checkpoint name: train_log.csv path}; one panel per stage."""
    frames = {}
    for name, path in logs.items():
        if Path(path).exists():
            frame = pd.read_csv(path)
            if not frame.empty and "loss" in frame:
                frames[name] = frame.dropna(subset=["loss"])
    stages = [s for s in ("cpt", "sft", "dpo") if any(n.startswith(s + "/") for n in frames)]
    with plt.rc_context(STYLE):
        if not stages:
            fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 1.5))
            _empty(ax, "no training logs")
            save(fig, stem)
            return
        fig, axes = plt.subplots(len(stages), 1, figsize=(COLUMN_WIDTH, 1.7 * len(stages)),
                                 squeeze=False)
        for ax, stage in zip(axes[:, 0], stages, strict=True):
            names = [name for name in frames if name.startswith(stage + "/")]
            for name, label in zip(names, _short_labels(names), strict=True):
                ax.plot(frames[name]["step"], frames[name]["loss"], linewidth=1, label=label)
            ax.set_title(stage.upper(), loc="left", fontweight="bold")
            ax.set_ylabel("training loss")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.legend(frameon=False, fontsize=6, loc="upper right")
        axes[-1, 0].set_xlabel("optimizer step")
        fig.tight_layout()
        save(fig, stem)
