"""SLURM ergonomics read from the workflow itself: benchmarks, localrules, cores, failed logs.

The rule files are parsed as text (Snakemake's own parser needs a config and seconds); the
checks are about declarations, so the text is what matters.
"""

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
# `rule name:` and `use rule base as name with:` (a derived rule inherits its base's block)
RULE = re.compile(r"^\s*(?:use rule (\w+) as (\w+) with|rule (\w+)):\n", re.M)
LOCALRULES = re.compile(r"^\s*localrules:\n((?:\s+\w+,?\n)+)", re.M)
# Rules that do seconds of work on text: they must not wait in the SLURM queue.
LIGHT = {
    "paper_metrics", "paper_tables", "paper_scaling_law", "paper_figures", "paper_loss_curves",
    "paper_compute", "instruct_translation", "instruct_sft_set", "instruct_sections",
    "instruct_general", "instruct_preferences", "eval_data", "eval_translation_set",
    "eval_translation_ood", "eval_baselines",
}
# Rules that run a model (or train one): always batch jobs.
HEAVY = {"cpt", "sft", "dpo", "eval_checkpoint", "eval_checkpoint_cpt", "eval_checkpoint_sft",
         "eval_checkpoint_dpo", "filter_synthetic", "translate_english", "prepare_base_model",
         "tokenize_corpus"}


def rule_blocks() -> dict[str, str]:
    blocks = {}
    for path in sorted((REPO / "rules").glob("*.smk")):
        text = path.read_text(encoding="utf-8")
        starts = list(RULE.finditer(text))
        for index, match in enumerate(starts):
            end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
            base, derived, name = match.groups()
            own = text[match.end() : end]
            blocks[name or derived] = blocks[base] + own if base else own
    return blocks


def local_rules() -> set[str]:
    names = set()
    for path in (REPO / "rules").glob("*.smk"):
        for match in LOCALRULES.finditer(path.read_text(encoding="utf-8")):
            names |= {name.strip(" ,") for name in match.group(1).split()}
    return names


def test_every_rule_has_a_benchmark():
    blocks = rule_blocks()
    assert len(blocks) > 25, sorted(blocks)
    missing = sorted(name for name, block in blocks.items() if "    benchmark:" not in block)
    assert not missing, f"rules without benchmark: {missing}"


def test_light_rules_are_local_and_model_rules_are_not():
    local = local_rules()
    assert LIGHT <= local, f"light rules submitted as SLURM jobs: {sorted(LIGHT - local)}"
    assert not HEAVY & local, sorted(HEAVY & local)
    assert local <= set(rule_blocks()), sorted(local - set(rule_blocks()))


def test_profiles_show_failed_logs_and_cores_follow_threads():
    for name in ("default", "slurm"):
        profile = yaml.safe_load((REPO / "profiles" / name / "config.yaml").read_text())
        assert profile["show-failed-logs"] is True, name
    slurm = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    # --cpus-per-task comes from threads alone, so the job uses the cores it was given
    for rule, resources in slurm["set-resources"].items():
        assert not {"cpus_per_task", "cpus_per_gpu"} & set(resources), rule
    blocks = rule_blocks()
    assert set(slurm["set-threads"]) <= set(blocks)
    for stage in ("", "_cpt", "_sft", "_dpo"):  # one evaluation rule per stage
        assert slurm["set-threads"][f"eval_checkpoint{stage}"] > 1
        assert slurm["set-resources"][f"eval_checkpoint{stage}"]["gpu"] == 1
    for rule in ("cpt", "sft", "dpo", "eval_checkpoint", "eval_checkpoint_sft"):
        block = blocks[rule]
        assert "threads" in block, rule
        # the script hands the rule's threads to torch
        script = re.search(r'script:\n\s+"\.\./(scripts/\w+\.py)"', block).group(1)
        assert "threads=snakemake.threads" in (REPO / script).read_text(), script
