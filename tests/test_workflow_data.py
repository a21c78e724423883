"""Workflow test: the real data rules on a tiny local-files config, run by Snakemake."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import LOHELP
from langadapt.sources.libreoffice_help import align_trees, help_tree

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")


def tiny_project(tmp_path, tokenizer_dir):
    for part in ("Snakefile", "rules", "scripts", "schemas", "envs"):
        source = REPO / part
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, tmp_path / part)
    english = help_tree(LOHELP / "en-us", "en", "k", english=True)
    records = align_trees(english, help_tree(LOHELP / "gl", "gl", "k"))
    with open(tmp_path / "pairs.jsonl", "w", encoding="utf-8") as out:
        for r in records:
            out.write(
                json.dumps({"english": r["en"], "galician": r["target"], "module": r["group"]})
                + "\n"
            )
    (tmp_path / "mono.txt").write_bytes("\ufeffUnha liña en galego.\r\nOutra liña.\n".encode())
    config = {
        "language": {"code": "gl", "name": "Galician"},
        "sources": [
            {
                "name": "help",
                "type": "local",
                "path": "pairs.jsonl",
                "english_column": "english",
                "target_column": "galician",
                "group_column": "module",
            },
            {"name": "mono", "type": "local", "path": "mono.txt"},
        ],
        "split": {"test_groups": ["smath"], "dev_groups": ["schart"], "max_test_pairs": 10},
        "synthetic": {"translation": {"enabled": False}},
        # sizes these sources can supply (plan_check runs before the monolingual source loads)
        "sft": {"general_examples": 0, "grid": [{"translation_examples": [8]}]},
        "dpo": {"enabled": False},
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    shutil.copytree(tokenizer_dir, tmp_path / "results/models/base")


def snakemake(tmp_path, *targets, flags=()):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    command = [
        str(SNAKEMAKE),
        "--cores",
        "1",
        "--snakefile",
        "Snakefile",
        "--allowed-rules",
        "load_source",
        "plan_check",  # every non-parallel source waits for the plan-time size check
        "clean_and_split",
        "data_card",
        *flags,
        "--",
        *targets,
    ]
    return subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300
    )


@pytest.mark.workflow
def test_data_rules_produce_clean_splits_and_card(tmp_path, tiny_tokenizer_dir):
    tiny_project(tmp_path, tiny_tokenizer_dir)
    result = snakemake(tmp_path, "results/data/gl/clean/train.jsonl", "results/data/gl/card.json")
    assert result.returncode == 0, result.stderr[-3000:]
    clean = tmp_path / "results/data/gl/clean"
    report = json.loads((clean / "report.json").read_text(encoding="utf-8"))
    assert report["splits"]["test"]["records"] == 10 and report["splits"]["dev"]["records"] == 10
    assert report["splits"]["train"]["by_source"]["mono"] == 2
    train = [
        json.loads(line)
        for line in (clean / "train.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert {r["source"] for r in train} == {"help", "mono"}
    assert not {r["group"] for r in train} & {"smath", "schart"}
    card = json.loads((tmp_path / "results/data/gl/card.json").read_text(encoding="utf-8"))
    assert card["fertility"]["target"] > card["fertility"]["en"]
    assert (tmp_path / "logs/clean_and_split/gl.log").exists()

    wrong_language = snakemake(tmp_path, "results/data/eu/clean/train.jsonl", flags=["--dry-run"])
    assert wrong_language.returncode != 0
    assert (
        "no sources are configured for language 'eu'"
        in wrong_language.stdout + wrong_language.stderr
    )
