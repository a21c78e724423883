"""Every offline config runs: its CPT, SFT and DPO recipes through a first training step.

The recipes are the configs' own (every key, as the trainer gets it); only the budget is cut
(one step, short sequences) and the model is the tiny random one, so a recipe that the
trainer refuses or cannot run fails here, not hours into `snakemake` on a fresh clone.
"""

import re
from pathlib import Path

import pytest
from langadapt import instructions as inst
from langadapt import preferences as prefs
from langadapt.config import load_config
from langadapt.train.cpt import train_cpt
from langadapt.train.dpo import train_dpo
from langadapt.train.sft import train_sft
from train_helpers import make_mixture

ROOT = Path(__file__).resolve().parents[1]
OFFLINE = [ROOT / "config.yaml", *sorted((ROOT / "configs").glob("demo-*.yaml"))]
# The budget of one step; everything else comes from the config's recipe.
ONE_STEP = {"max_steps": 1, "save_steps": 1000, "logging_steps": 1}
SHORT = {"max_length": 64, "per_device_train_batch_size": 2}


@pytest.fixture(scope="module")
def data(tiny_model_dir, fixture_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("shipped")
    sections = inst.translate_sections(
        inst.help_sections(inst.read_jsonl(fixture_dir / "help_sections.jsonl")),
        lambda lines: [line.upper() for line in lines],
    )
    pairs = inst.read_jsonl(fixture_dir / "clean_train.jsonl")
    rows = inst.sft_set(
        inst.general_instructions(sections, "human", 4),
        inst.translation_instructions(pairs, 4, "en-xx", "Galician"),
        4,
        seed=1,
    )
    inst.write_jsonl(root / "sft.jsonl", rows)
    inst.write_jsonl(root / "prefs.jsonl", prefs.help_preferences(sections, 4, skip=4))
    mixture = make_mixture(tiny_model_dir, root / "mix", seq_len=32)
    return {"mixture": mixture, "sft": root / "sft.jsonl", "prefs": root / "prefs.jsonl"}


@pytest.mark.parametrize("path", OFFLINE, ids=lambda p: p.name)
def test_offline_config_takes_a_training_step_in_every_stage(
    path, data, tiny_model_dir, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("LANGADAPT_PROGRESS_SECONDS", "0")  # a progress line every step
    config = load_config(path)
    common = {"seed": 1, "deepspeed": config["cpt"]["deepspeed"]}
    cpt = train_cpt(
        mixture=str(data["mixture"]), base_model=str(tiny_model_dir), out_dir=str(tmp_path / "cpt"),
        checkpoint_dir=str(tmp_path / "ck_cpt"), recipe={**config["cpt"]["recipe"], **ONE_STEP},
        **common,
    )
    assert cpt["steps"] == 1 and cpt["loss_start"] > 0
    log = capsys.readouterr().err
    assert re.search(r"\[progress\] train: 1/1 steps \(100.0 %\), ([0-9.]+ steps/s|one per \w+), "
                     r"elapsed \w+, "
                     r"\d+ tokens/s, loss [0-9.]+", log), log
    sft = train_sft(
        instructions=str(data["sft"]), model_dir=str(tmp_path / "cpt" / "model"),
        out_dir=str(tmp_path / "sft"), checkpoint_dir=str(tmp_path / "ck_sft"),
        recipe={**config["sft"]["recipe"], **SHORT, **ONE_STEP}, **common,
    )
    assert sft["steps"] == 1 and sft["loss_start"] > 0
    if config["dpo"]["enabled"]:
        dpo = train_dpo(
            preferences=str(data["prefs"]), model_dir=str(tmp_path / "sft" / "model"),
            out_dir=str(tmp_path / "dpo"), checkpoint_dir=str(tmp_path / "ck_dpo"),
            recipe={**config["dpo"]["recipe"], **SHORT, **ONE_STEP}, **common,
        )
        assert dpo["steps"] == 1 and dpo["loss_start"] > 0
