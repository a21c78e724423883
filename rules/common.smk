# Input functions and grids only: every target list of the workflow is built here.
import sys
from pathlib import Path

sys.path.insert(0, f"{workflow.basedir}/scripts")

from langadapt import grids
from langadapt.config import validate_config

validate_config(config)

LANG = config["language"]["code"]


wildcard_constraints:
    lang="[a-z]{2,3}",
    ratio="[0-9.]+",
    tokens="[0-9.]+[kKmMbB]?",
    synth="[0-9.]+",
    seed="[0-9]+",
    init="base|cpt",
    instr="mt|human",
    xlate="[0-9]+",
    split="train|dev|test",
    checkpoint="base|(cpt|sft|dpo)/[^ ]+",


def cpt_cell_paths():
    """Path parts of every CPT grid cell: ratio=0.8/tokens=12k/synth=1.0/seed=1."""
    return [grids.cell_path(cell, grids.CPT_AXES) for cell in grids.cpt_cells(config)]


def sft_cell_paths():
    """Path parts of every SFT grid cell: init=cpt/instr=mt/xlate=128/seed=1."""
    return [grids.cell_path(cell, grids.SFT_AXES) for cell in grids.sft_cells(config)]


def dpo_cell_paths():
    """Path parts of every DPO cell (the SFT cell it aligns)."""
    return [grids.cell_path(cell, grids.SFT_AXES) for cell in grids.dpo_cells(config)]


def sft_init_cpt_path():
    """Path part of the CPT cell that SFT init=cpt starts from."""
    return grids.cell_path(grids.sft_init_cell(config), grids.CPT_AXES)


def mixture_paths():
    """Path parts of the mixtures the CPT grid needs (seed does not change the data)."""
    parts = []
    for cell in grids.cpt_cells(config):
        part = f"ratio={cell['mixing_ratio']}/tokens={cell['token_budget']}/synth={cell['synthetic_weight']}"
        if part not in parts:
            parts.append(part)
    return parts


def checkpoint_names():
    """Every evaluated checkpoint: base, cpt/<cell>, sft/<cell>, dpo/<cell>."""
    return (
        ["base"]
        + [f"cpt/{part}" for part in cpt_cell_paths()]
        + [f"sft/{part}" for part in sft_cell_paths()]
        + [f"dpo/{part}" for part in dpo_cell_paths()]
    )


def checkpoint_model_dir(wildcards):
    """Model directory of the checkpoint named by wildcards.checkpoint."""
    if wildcards.checkpoint == "base":
        return "results/models/base"
    stage, cell = wildcards.checkpoint.split("/", 1)
    return f"results/{stage}/{wildcards.lang}/{cell}/model"


def base_translation_result(wildcards):
    """The base model's translation result (its hypotheses anchor the paired bootstrap)."""
    if wildcards.checkpoint == "base":
        return []
    return f"results/eval/{wildcards.lang}/base/translation.json"


def checkpoint_filename(name):
    """A checkpoint name as one file name: sft/init=cpt/instr=mt -> sft__init=cpt__instr=mt."""
    return name.replace("/", "__")


def manual_sheets():
    """Filled manual evaluation sheets present on disk: manual/{lang}/{checkpoint_filename}.csv."""
    names = {checkpoint_filename(name): name for name in checkpoint_names()}
    return {names[path.stem]: str(path) for path in sorted(Path("manual", LANG).glob("*.csv"))
            if path.stem in names}


def train_logs():
    """train_log.csv of every training cell, by checkpoint name."""
    return {name: f"results/{name.split('/', 1)[0]}/{LANG}/{name.split('/', 1)[1]}/train_log.csv"
            for name in checkpoint_names() if name != "base"}


def corpora_for_mixing():
    """Tokenised corpora a mixture draws from."""
    corpora = ["english", "real"]
    if config["synthetic"]["translation"]["enabled"]:
        corpora.append("mt")
    if config["synthetic"]["transliteration"]["enabled"]:
        corpora.append("translit")
    return corpora


def data_targets():
    return [
        f"results/data/{LANG}/card.json",
        f"results/data/{LANG}/card.md",
    ] + [f"results/mix/{LANG}/{part}/packed.npy" for part in mixture_paths()]


def training_targets():
    return (
        [f"results/cpt/{LANG}/{part}/model" for part in cpt_cell_paths()]
        + [f"results/sft/{LANG}/{part}/model" for part in sft_cell_paths()]
        + [f"results/dpo/{LANG}/{part}/model" for part in dpo_cell_paths()]
    )


def eval_targets():
    return [f"results/eval/{LANG}/{name}/metrics.json" for name in checkpoint_names()]


PAPER_TABLES = ["stages", "mixing_ratio", "instructions", "cpt"]
PAPER_FIGURES = ["forgetting", "scaling", "loss_curves"]


def paper_targets():
    """Every paper output; tables of ablations a config lacks hold a note instead of rows."""
    tables = [f"results/paper/tables/{name}.{ext}" for name in PAPER_TABLES
              for ext in ("tex", "md", "csv")]
    figures = [f"results/paper/figures/{name}.{ext}" for name in PAPER_FIGURES
               for ext in ("pdf", "png")]
    return [
        "results/paper/metrics.csv",
        "results/paper/scaling_law.json",
        "results/paper/compute.csv",
        "results/paper/compute.md",
    ] + tables + figures


def final_targets():
    return data_targets() + training_targets() + eval_targets() + paper_targets()
