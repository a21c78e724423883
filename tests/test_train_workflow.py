"""cpt -> sft -> dpo through Snakemake on a tiny mixture index and a tiny random model."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from langadapt.train.logs import read_train_log
from train_helpers import make_mixture, subprocess_env

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
LORA = {"lora_r": 8, "lora_alpha": 16, "lora_target_modules": ["q_proj", "v_proj"]}
CONFIG = {
    "language": {"code": "gl", "name": "Galician", "script": "Latn"},
    "sources": [{"name": "lohelp", "type": "libreoffice_help", "package": "libreoffice-help-gl"}],
    # max_sentences within the perplexity filter's limit (the config check rejects more)
    "synthetic": {"translation": {"backend": "apertium", "apertium_pair": "en-gl",
                                  "max_sentences": 200}},
    "base_model": {"kind": "local", "path": "tiny"},
    "cpt": {
        "grid": [{"mixing_ratio": [0.8], "token_budget": ["12k"], "seed": [1]}],
        "recipe": {"learning_rate": 1.0e-3, "per_device_train_batch_size": 8, "save_steps": 5},
        "epochs": 2,
    },
    "sft": {
        "cpt_cell": {
            "mixing_ratio": 0.8,
            "token_budget": "12k",
            "synthetic_weight": 1.0,
            "seed": 1,
        },
        "general_examples": 6,
        "grid": [
            # a direction off sft.translation_direction (en-xx): path part dir=xx-en
            {"init": ["base"], "instructions": ["mt"], "translation_examples": [16],
             "translation_direction": ["xx-en"]},
            {"init": ["cpt"], "instructions": ["human"], "translation_examples": [16]},
        ],
        "recipe": {"learning_rate": 1.0e-2, "num_train_epochs": 4, "max_length": 128, **LORA},
    },
    "dpo": {
        "preference_pairs": 4,
        "grid": [{"init": ["cpt"], "instructions": ["human"], "translation_examples": [16]}],
        "recipe": {
            "learning_rate": 1.0e-2,
            "num_train_epochs": 2,
            "max_length": 128,
            "per_device_train_batch_size": 2,
            **LORA,
        },
    },
}


def _targets():
    cpt = "results/cpt/gl/ratio=0.8/tokens=12k/synth=1.0/seed=1"
    sft = [
        "results/sft/gl/init=base/instr=mt/xlate=16/dir=xx-en/seed=1",
        "results/sft/gl/init=cpt/instr=human/xlate=16/seed=1",
    ]
    return [cpt, *sft, "results/dpo/gl/init=cpt/instr=human/xlate=16/seed=1"]


@pytest.mark.workflow
def test_training_rules_end_to_end(tiny_model_dir, fixture_dir, tmp_path):
    if shutil.which("apertium") is None:
        pytest.skip("apertium is not installed")
    work = tmp_path / "run"
    shutil.copytree(tiny_model_dir, work / "results" / "models" / "base")
    shutil.copytree(tiny_model_dir, work / "tiny")
    make_mixture(tiny_model_dir, work / "results/mix/gl/ratio=0.8/tokens=12k/synth=1.0")
    clean = work / "results/data/gl/clean/train.jsonl"
    lines = (fixture_dir / "help_sections.jsonl").read_text().splitlines()
    for index, line in enumerate((fixture_dir / "clean_train.jsonl").read_text().splitlines()):
        row = json.loads(line)
        lines.append(json.dumps({**row, "kind": "p", "doc": "fixture.xhp", "order": 1000 + index}))
    clean.parent.mkdir(parents=True)
    clean.write_text("\n".join(lines) + "\n")
    (work / "config.yaml").write_text(yaml.safe_dump(CONFIG))
    # the merged export of the DPO cell is an explicit target, not part of every run
    targets = [f"{cell}/model" for cell in _targets()] + [f"{_targets()[-1]}/merged"]
    result = subprocess.run(
        [
            SNAKEMAKE,
            *targets,
            "-s",
            str(ROOT / "Snakefile"),
            "--directory",
            str(work),
            "--cores",
            "2",
            "--configfile",
            str(work / "config.yaml"),
        ],
        env={**subprocess_env(), "LANGADAPT_PROGRESS_SECONDS": "0"},  # progress every step
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    from langadapt.modeling import load_model
    from transformers import AutoModelForCausalLM

    for cell in _targets():
        rows = read_train_log(work / cell / "train_log.csv")
        quarter = max(1, len(rows) // 4)  # single steps are noisy on a tiny random model
        start = sum(row["loss"] for row in rows[:quarter]) / quarter
        end = sum(row["loss"] for row in rows[-quarter:]) / quarter
        assert end < start, cell
        assert (work / cell / "recipe.yaml").is_file()
        load_model(work / cell / "model")
    for cell in _targets()[1:]:  # LoRA stages keep only their adapter + a pointer to the base
        assert (work / cell / "model" / "adapter_model.safetensors").is_file()
        assert not (work / cell / "model" / "model.safetensors").exists()
    AutoModelForCausalLM.from_pretrained(work / _targets()[-1] / "merged")
    assert (work / "benchmarks/cpt/gl/ratio=0.8/tokens=12k/synth=1.0/seed=1.tsv").is_file()
    # checkpoints lived outside the outputs and were removed once the model was saved
    assert list((work / "results/checkpoints/cpt/gl").rglob("run.json"))
    assert not list((work / "results/checkpoints").rglob("checkpoint-*"))
    # the jobs' logs carry progress lines (training and machine translation)
    cpt_log = (work / "logs/cpt/gl/ratio=0.8/tokens=12k/synth=1.0/seed=1.log").read_text()
    assert "[progress] train: " in cpt_log and " tokens/s, loss " in cpt_log
    assert "[progress] translate (apertium): " in (
        work / "logs/instruct_sections/gl.log").read_text()
    # the translation-task set is built per direction; the default keeps its earlier path
    instruct = work / "results/instruct/gl"
    for path, direction in ((instruct / "translation.jsonl", "en-xx"),
                            (instruct / "translation/dir=xx-en.jsonl", "xx-en"),
                            (instruct / "sft/instr=mt/xlate=16/dir=xx-en/seed=1.jsonl", "xx-en")):
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        assert {r["direction"] for r in rows if r.get("task") == "translation"} == {direction}
    # the human arm's responses are the Galician help text itself, not English
    from langadapt.eval.instruction_following import language_share

    human = [json.loads(line) for line in
             (work / "results/instruct/gl/general.human.jsonl").read_text().splitlines()]
    responses = [message["content"] for row in human for message in row["messages"]
                 if message["role"] == "assistant"]
    assert responses and language_share(responses, "gl")["share"] >= 0.8
