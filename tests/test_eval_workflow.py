"""The evaluation rules through Snakemake on the tiny model: base and one CPT checkpoint, each
with its stage's suites (config.yaml's evaluation.suites), and the trivial baselines."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from tiny_workflow import (
    CPT_CELL_PATH,
    OOD_PACKAGES,
    make_project,
    snakemake,
    tiny_config,
    write_config,
    write_langpack,
)

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"
EVAL_RULES = ["eval_out_of_domain", "eval_data", "eval_translation_set", "eval_translation_ood",
              "eval_checkpoint", "eval_checkpoint_cpt", "eval_baselines"]
CPT = "cpt/ratio=0.8/tokens=12k/synth=1.0/seed=1"
SMALL = {"evaluation": {"bpc_chars": 400, "translation_sentences": 6, "max_new_tokens": 6,
                        "multiple_choice_items": 8, "instruction_prompts": 4,
                        "bootstrap_resamples": 50,
                        # CPT cells run bpc only in config.yaml; with translation too, the
                        # CPT copy of the base must decode exactly as the base does
                        "suites": {"cpt": ["bpc", "translation"]}}}


@pytest.mark.workflow
def test_eval_rules_on_tiny_model(tmp_path, tiny_model_dir, fixture_dir):
    clean = tmp_path / "results" / "data" / "gl" / "clean"
    clean.mkdir(parents=True)
    shutil.copy(fixture_dir / "eval_test_split.jsonl", clean / "test.jsonl")
    for locale, package in OOD_PACKAGES.items():  # as fetch_debian_package leaves them
        write_langpack(tmp_path / "results" / "data" / "debian" / package, locale)
    shutil.copytree(tiny_model_dir, tmp_path / "results" / "models" / "base")
    shutil.copytree(tiny_model_dir, tmp_path / "results" / "cpt" / "gl" / CPT[4:] / "model")
    (tmp_path / "small.yaml").write_text(yaml.safe_dump(SMALL))
    targets = [f"results/eval/gl/{name}/metrics.json" for name in ("base", CPT)]
    targets.append("results/eval/gl/baseline")
    command = [str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "--directory", str(tmp_path),
               "--configfile", str(REPO / "config.yaml"), str(tmp_path / "small.yaml"),
               "--cores", "2", "--allowed-rules", *EVAL_RULES, "--", *targets]
    env = {**os.environ, "PYTHONPATH": str(REPO / "scripts")}  # this checkout's library
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    logs = "\n".join(p.read_text() for p in (tmp_path / "logs").rglob("*.log"))
    assert run.returncode == 0, run.stderr[-4000:] + logs[-4000:]

    base = json.loads((tmp_path / targets[0]).read_text())
    cpt = json.loads((tmp_path / targets[1]).read_text())
    for result in (base, cpt):
        metrics = result["metrics"]
        for side in ("target", "english", "ood_target", "ood_english"):
            low, value, high = (metrics[f"bpc_{side}{end}"] for end in ("_ci_low", "", "_ci_high"))
            assert 0 < low <= value <= high
        for direction in ("en-xx", "xx-en"):  # held-out and out-of-domain pairs, language share
            for name in ("bleu", "chrf++", "target_language_share"):
                assert f"{name}_{direction}" in metrics and f"{name}_ood_{direction}" in metrics
        assert not any("vs_base" in name or "mc_length" in name for name in metrics)
    assert {"mc_acc", "if_target_language_share", "if_chrf"} <= set(base["metrics"])
    # small.yaml: CPT checkpoints run bpc and translation only
    assert set(cpt["seconds"]) == {"bpc", "translation"}
    suite = tmp_path / "results" / "eval" / "gl"
    assert not (suite / CPT / "lm_eval.json").exists()
    assert not (suite / CPT / "manual_sheet.csv").exists()
    # same weights as the base model: identical per-document bits and hypotheses
    for name in ("bpc", "translation"):
        one, two = (json.loads((suite / c / f"{name}.json").read_text()) for c in ("base", CPT))
        if name == "bpc":
            assert one["dtype"] == "float32" and one["bpc"]["ood_english"]["documents"]
            assert one["bpc"] == two["bpc"]
        else:
            hypotheses = one["directions"]["en-xx"]["hypotheses"]
            assert {"id", "source", "reference", "hypothesis"} <= set(hypotheses[0])
            assert hypotheses == two["directions"]["en-xx"]["hypotheses"]
            assert one["out_of_domain"] == two["out_of_domain"]
    items = json.loads((suite / "base" / "lm_eval.json").read_text())["items"]
    assert len(items["langadapt_translation_choice_gl"]) == SMALL["evaluation"][
        "multiple_choice_items"]
    sheet = suite / "base" / "manual_sheet.csv"
    assert sheet.read_text().startswith("id,prompt,response,reference,correct,")
    assert (tmp_path / "benchmarks" / "eval_checkpoint" / "gl" / f"{CPT}.tsv").exists()
    # the baselines: pseudo-checkpoints with the checkpoints' metric names
    copied = json.loads((suite / "baseline" / "copy_source" / "metrics.json").read_text())
    assert copied["checkpoint"] == "baseline/copy_source"
    assert {"chrf++_en-xx", "bleu_xx-en", "chrf++_ood_en-xx"} <= set(copied["metrics"])
    echoed = json.loads((suite / "baseline" / "echo_prompt" / "metrics.json").read_text())
    assert set(echoed["metrics"]) == {"if_target_language_share", "if_chrf"}
    assert list((suite / "baseline").glob("mc_*/metrics.json"))


@pytest.mark.workflow
def test_each_stage_plans_only_its_suites(tmp_path, tiny_model_dir):
    """evaluation.suites decides the suite outputs of each stage's evaluation job (dry run)."""
    project = make_project(tmp_path / "repo", tiny_model_dir)
    config = tiny_config(tiny_model_dir)
    config["evaluation"]["suites"].update(cpt=["bpc", "translation", "multiple_choice"],
                                          sft=["translation", "instructions"])
    write_config(project, config)
    cpt = f"results/eval/gl/cpt/{CPT_CELL_PATH}"
    done = snakemake(project, "-n", "--forceall", f"{cpt}/metrics.json")
    assert done.returncode == 0, done.stderr[-3000:]
    job = done.stdout.split("rule eval_checkpoint_cpt:")[1].split("\n\n")[0]
    outputs = job.split("output:")[1].splitlines()[0]
    assert {f"{cpt}/{name}.json" for name in ("bpc", "translation", "lm_eval", "metrics")} == set(
        outputs.strip().split(", "))
    assert "translation_ood.jsonl" in job.split("input:")[1].splitlines()[0]
    sft = "results/eval/gl/sft/init=cpt/instr=mt/xlate=8/seed=1"
    done = snakemake(project, "-n", "--forceall", f"{sft}/metrics.json")
    assert done.returncode == 0, done.stderr[-3000:]
    job = done.stdout.split("rule eval_checkpoint_sft:")[1].split("\n\n")[0]
    outputs = job.split("output:")[1].splitlines()[0]
    assert {f"{sft}/{name}" for name in ("translation.json", "instructions.json",
                                         "manual_sheet.csv", "metrics.json")} == set(
        outputs.strip().split(", "))
