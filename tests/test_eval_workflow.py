"""The evaluation rules through Snakemake on the tiny model: base and one CPT checkpoint."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from tiny_workflow import OOD_PACKAGES, write_langpack

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"
EVAL_RULES = ["eval_out_of_domain", "eval_data", "eval_translation_set", "eval_checkpoint"]
CPT = "cpt/ratio=0.8/tokens=12k/synth=1.0/seed=1"
SMALL = {"evaluation": {"bpc_chars": 400, "translation_sentences": 6, "max_new_tokens": 6,
                        "multiple_choice_items": 8, "instruction_prompts": 4,
                        "bootstrap_resamples": 50}}


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
        assert {"bleu_en-xx", "chrf++_en-xx", "bleu_xx-en", "chrf++_xx-en", "mc_acc",
                "mc_length_longest_acc", "if_target_language_share", "if_chrf"} <= set(metrics)
        assert not any("vs_base" in name for name in metrics)  # comparisons: paper stage only
    # same weights as the base model: identical per-document bits, items and hypotheses
    suite = tmp_path / "results" / "eval" / "gl"
    for name in ("bpc", "lm_eval", "translation"):
        one, two = (json.loads((suite / c / f"{name}.json").read_text()) for c in ("base", CPT))
        if name == "bpc":
            assert one["dtype"] == "float32" and one["bpc"]["ood_english"]["documents"]
            assert one["bpc"] == two["bpc"]
        elif name == "lm_eval":
            items = one["items"]["langadapt_translation_choice_gl"]
            assert len(items) == SMALL["evaluation"]["multiple_choice_items"]
            assert items == two["items"]["langadapt_translation_choice_gl"]
        else:
            hypotheses = one["directions"]["en-xx"]["hypotheses"]
            assert {"id", "source", "reference", "hypothesis"} <= set(hypotheses[0])
            assert hypotheses == two["directions"]["en-xx"]["hypotheses"]
    sheet = tmp_path / "results" / "eval" / "gl" / "base" / "manual_sheet.csv"
    assert sheet.read_text().startswith("id,prompt,response,reference,correct,")
    assert (tmp_path / "benchmarks" / "eval_checkpoint" / "gl" / f"{CPT}.tsv").exists()
