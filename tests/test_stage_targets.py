"""Stage targets and --configfile semantics as the README states them (issue 23): each stage
has a target (cpt_all ... export_all) that plans that stage and what it needs, and a
--configfile replaces config.yaml unless config.yaml is named first (then it is merged on top)."""

import pytest
from tiny_workflow import make_project, snakemake

pytestmark = pytest.mark.workflow


def _planned_rules(project, *args) -> dict[str, int]:
    """{rule: planned jobs} of a dry run (Snakemake's job-stats table)."""
    done = snakemake(project, "-n", *args)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    lines = (done.stdout + done.stderr).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("job")) + 2
    counts = {}
    for line in lines[start:]:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit() or parts[0] == "total":
            break
        counts[parts[0]] = int(parts[1])
    return counts


def test_stage_targets_plan_their_stage(tmp_path, tiny_model_dir):
    project = make_project(tmp_path / "repo", tiny_model_dir)
    cpt = _planned_rules(project, "cpt_all")
    assert cpt["cpt"] == 1 and "sft" not in cpt and "eval_checkpoint" not in cpt
    dpo = _planned_rules(project, "dpo_all")
    assert dpo["dpo"] == 1 and dpo["sft"] == 1 and "eval_checkpoint" not in dpo
    exports = _planned_rules(project, "export_all")
    assert exports["export_merged"] == exports["export_adapter"] == 2  # the SFT and DPO cell
    paper = _planned_rules(project, "paper_all")
    assert paper["paper_tables"] == 1 and "export_adapter" not in paper


def test_configfile_replaces_config_yaml_unless_it_comes_first(tmp_path, tiny_model_dir):
    project = make_project(tmp_path / "repo", tiny_model_dir)
    (project / "small.yaml").write_text("run_name: small-run\n", encoding="utf-8")
    alone = snakemake(project, "-n", "paper_all", "--configfile", "small.yaml")
    # small.yaml alone is the whole config (defaults from the schema): it has no sources
    assert alone.returncode != 0
    assert "config key 'sources': language 'gl' has no source" in alone.stdout + alone.stderr
    merged = snakemake(project, "-n", "paper_all", "--configfile", "config.yaml", "small.yaml")
    assert merged.returncode == 0, (merged.stdout + merged.stderr)[-3000:]
    assert "results/paper/small-run/tables/stages.md" in merged.stdout + merged.stderr
