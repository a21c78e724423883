"""Several target languages in one run (config ``languages``, issue 22 item 1): each language's
config, the plan-time errors, the cross-language table, and the workflow with two languages."""

import copy
import json
from pathlib import Path

import pytest
import yaml
from langadapt.config import load_config, validate_config
from langadapt.errors import LangadaptError
from langadapt.languages import language_configs, module_name

ROOT = Path(__file__).resolve().parents[1]
IBERIAN = ROOT / "configs" / "demo-iberian.yaml"


@pytest.fixture
def iberian():
    return yaml.safe_load(IBERIAN.read_text(encoding="utf-8"))


def _error(config) -> str:
    with pytest.raises(LangadaptError) as caught:
        language_configs(copy.deepcopy(config))
    return str(caught.value)


def test_each_language_gets_its_keys_and_shares_the_rest(iberian):
    configs = language_configs(iberian, "demo-iberian")
    assert list(configs) == ["gl", "ca", "es"]
    catalan = configs["ca"]
    assert catalan["language"] == {"code": "ca", "name": "Catalan", "script": "Latn"}
    assert catalan["sources"][0]["help_tree"] == "ca"
    assert catalan["synthetic"]["translation"]["apertium_pair"] == "eng-cat"
    assert catalan["synthetic"]["translation"]["max_sentences"] == 200  # shared key kept
    assert catalan["evaluation"]["out_of_domain"]["package"] == "firefox-esr-l10n-ca"
    assert catalan["evaluation"]["out_of_domain"]["english_package"] == "firefox-esr-l10n-en-gb"
    assert catalan["cpt"] == configs["es"]["cpt"] and catalan["run_name"] == "demo-iberian"
    assert catalan["languages"] == []  # a module's config is a single-language one
    assert "languages" in load_config(IBERIAN)  # and the whole config validates


def test_an_entry_without_a_source_stops_naming_the_key(iberian):
    del iberian["languages"][1]["sources"]
    assert "config key 'languages[1].sources': language 'ca' has no source" in _error(iberian)


def test_a_code_given_twice_stops_naming_the_key(iberian):
    iberian["languages"][2]["language"]["code"] = "gl"
    message = _error(iberian)
    assert "config key 'languages[2].language.code': 'gl' is also languages[0]" in message


def test_an_entry_error_names_the_entry(iberian):
    iberian["languages"][1]["synthetic"]["translation"]["backend"] = "google"
    message = _error(iberian)
    assert message.startswith("languages[1] (ca), config key 'synthetic.translation.backend'")


def test_an_unknown_entry_key_is_named(iberian):
    iberian["languages"][0]["cpt"] = {}
    with pytest.raises(LangadaptError, match=r"languages\[0\]\.cpt': unknown key"):
        validate_config(iberian)


def test_a_code_may_carry_a_region(iberian):
    iberian["languages"][2]["language"]["code"] = "pt-BR"
    assert "pt-BR" in language_configs(iberian)
    assert module_name("pt-BR") == "pt_BR"


def test_a_joint_cell_needs_an_sft_cell_from_the_base_model(iberian):
    iberian["sft"]["grid"][0]["init"] = ["cpt"]  # the demo's joint cell starts from base
    assert "config key 'sft.joint': a joint cell starts from the base model" in _error(iberian)


def test_the_joint_set_holds_every_language_shuffled(tmp_path):
    from langadapt.languages import joint_instruction_set
    from langadapt.textio import read_jsonl, write_jsonl

    paths = []
    for code in ("gl", "ca"):
        paths.append(tmp_path / f"{code}.jsonl")
        write_jsonl(paths[-1], [{"lang": code, "n": n} for n in range(20)])
    assert joint_instruction_set(paths, tmp_path / "joint.jsonl", seed=1) == 40
    rows = read_jsonl(tmp_path / "joint.jsonl")
    assert sorted((r["lang"], r["n"]) for r in rows) == sorted(
        (code, n) for code in ("gl", "ca") for n in range(20))
    assert {r["lang"] for r in rows[:10]} == {"gl", "ca"}  # mixed, not one language then another


def _metrics_csv(path, lang, rows):
    from langadapt.paper.aggregate import collect_metrics

    files = []
    for index, (checkpoint, metrics) in enumerate(rows):
        file = path.parent / f"{lang}_{index}.json"
        file.write_text(json.dumps({"checkpoint": checkpoint, "lang": lang, "metrics": metrics}))
        files.append(file)
    collect_metrics(files).to_csv(path, index=False)
    return path


def test_cross_language_table_has_a_row_block_per_language(tmp_path):
    from langadapt.paper.languages import write_cross_language_table

    cpt = "cpt/ratio=0.8/tokens=8k/synth=60.0/seed=1"
    files = {
        "gl": _metrics_csv(tmp_path / "gl.csv", "gl", [
            ("base", {"bpc_target": 2.8, "chrf++_en-xx": 15.0}),
            (cpt, {"bpc_target": 2.4, "chrf++_en-xx": 21.0}),
            ("baseline/copy_source", {"chrf++_en-xx": 20.0})]),
        "ca": _metrics_csv(tmp_path / "ca.csv", "ca", [
            ("base", {"bpc_target": 2.5, "mc_acc": 0.6}),
            ("baseline/mc_longest", {"mc_acc": 0.3})]),
    }
    frame = write_cross_language_table(files, {"gl": "Galician", "ca": "Catalan"},
                                       tmp_path / "languages.md", tmp_path / "languages.csv")
    assert list(frame["lang"]) == ["gl", "gl", "ca"]
    assert list(frame["checkpoint"]) == ["base", cpt, "base"]
    assert frame.loc[frame["lang"] == "gl", "chrf++_en-xx floor"].tolist() == [20.0, 20.0]
    lines = (tmp_path / "languages.md").read_text(encoding="utf-8").splitlines()
    assert "| Galician (gl) | base | 2.80 | 15.0 ‡ | – | – | – |" in lines  # below its floor
    assert f"| Galician (gl) | {cpt} | 2.40 | 21.0 | – | – | – |" in lines
    assert "| Galician (gl) | baseline | – | 20.0 (copy_source) | – | – | – |" in lines
    assert "| Catalan (ca) | base | 2.50 | – | – | 60.0 | – |" in lines
    assert "| Catalan (ca) | baseline | – | – | – | 30.0 (mc_longest) | – |" in lines


def test_demo_iberian_dry_run_plans_every_language_once():
    import re

    from tiny_workflow import snakemake

    # --forceall: the whole plan, whatever a run in this checkout has already made
    plan = snakemake(ROOT, "-n", "--forceall", "--quiet", "rules", "--configfile", str(IBERIAN))
    assert plan.returncode == 0, plan.stderr[-3000:]
    stats = dict(re.findall(r"^(\w+)\s+(\d+)$", plan.stdout + plan.stderr, flags=re.M))
    for code in ("gl", "ca", "es"):
        for rule in ("cpt", "sft", "eval_checkpoint", "paper_metrics", "paper_tables"):
            assert stats.get(f"{code}_{rule}") == "1", (code, rule, stats)
        assert f"{code}_dpo" not in stats  # dpo.enabled: false
    assert stats["gl_prepare_base_model"] == "1" and "ca_prepare_base_model" not in stats
    assert stats["gl_fetch_debian_package"] == "8"  # 3 help trees + English, 3 + 1 langpacks
    assert stats["paper_languages"] == "1"
    assert stats["sft_joint"] == "1" and stats["instruct_joint_set"] == "1"  # sft.joint
    assert all(stats[f"{code}_eval_checkpoint_joint"] == "1" for code in ("gl", "ca", "es"))


@pytest.mark.workflow
def test_two_languages_run_to_the_cross_language_table(tiny_model_dir, tmp_path):
    """Through Snakemake, gl and ca (the Catalan help fixture, tree ca) on the tiny model:
    base, one CPT and one SFT cell a language, the joint SFT cell (sft.joint) on both languages'
    sets, their evaluations and the cross-language table; each language's files under its own
    code, the base model prepared once."""
    import shutil

    import pandas as pd
    from tiny_workflow import CPT_CELL_PATH, make_project, snakemake, tiny_config, write_config

    config = tiny_config(tiny_model_dir)
    config["run_name"] = "two"
    config["dpo"]["enabled"] = False
    config["sft"]["grid"][0]["init"] = ["base"]  # a joint cell starts from the base model
    config["sft"]["joint"] = True
    config["evaluation"]["out_of_domain"]["enabled"] = False  # no Catalan langpack fixture
    catalan_mt = {"apertium_pair": "eng-cat"} if shutil.which("apertium") else {}
    config["languages"] = [
        {"language": {"code": "gl", "name": "Galician"}, "sources": config["sources"]},
        {"language": {"code": "ca", "name": "Catalan"},
         "sources": [{"name": "lohelp", "type": "libreoffice_help",
                      "package": "libreoffice-help-ca", "help_tree": "ca"}],
         "synthetic": {"translation": catalan_mt}},
    ]
    project = make_project(tmp_path / "repo", tiny_model_dir, config)
    write_config(project, config)
    table = "results/paper/two/languages.csv"
    done = snakemake(project, "--cores", "2", table)
    assert done.returncode == 0, done.stderr[-4000:]
    for code in ("gl", "ca"):
        assert (project / f"results/cpt/{code}/{CPT_CELL_PATH}/model").is_dir()
        assert (project / f"results/eval/{code}/base/metrics.json").is_file()
        assert (project / f"results/paper/two/{code}/metrics.csv").is_file()
    assert "prepare_base_model" in done.stderr and "ca_prepare_base_model" not in done.stderr
    joint = "init=base/instr=mt/xlate=8/seed=1"
    examples = [len((project / f"results/instruct/{code}/sft/instr=mt/xlate=8/seed=1.jsonl")
                    .read_text(encoding="utf-8").splitlines()) for code in ("gl", "ca")]
    joint_set = project / "results/instruct/joint/sft/instr=mt/xlate=8/seed=1.jsonl"
    assert len(joint_set.read_text(encoding="utf-8").splitlines()) == sum(examples)
    assert (project / f"results/sft/joint/{joint}/model").is_dir()
    frame = pd.read_csv(project / table)
    assert list(dict.fromkeys(frame["lang"])) == ["gl", "ca"]
    for code in ("gl", "ca"):
        rows = frame[frame["lang"] == code]
        assert list(rows["stage"]) == ["base", "cpt", "sft", "joint"], rows
        assert f"joint/{joint}" in set(rows["checkpoint"])
        translated = rows[rows["stage"] != "cpt"]  # CPT cells run bits per char only
        assert translated["chrf++_en-xx"].notna().all()
        assert rows["chrf++_en-xx floor"].notna().all()
    markdown = (project / "results/paper/two/languages.md").read_text(encoding="utf-8")
    assert markdown.count("| Catalan (ca) | baseline |") == 1


def test_joint_cells_narrow_the_joint_tuning_to_matching_cells(iberian):
    from langadapt import grids

    config = copy.deepcopy(iberian)
    config["sft"]["grid"] = [{"init": ["base"], "instructions": ["mt"],
                              "translation_examples": [0, 32], "seed": [1]}]
    config["sft"]["joint_cells"] = [{"translation_examples": 32}]
    first = next(iter(language_configs(validate_config(config)).values()))
    assert [grids.sft_cell_path(first, cell) for cell in grids.joint_cells(first)] == [
        "init=base/instr=mt/xlate=32/seed=1"]


def test_a_joint_cell_entry_that_matches_nothing_stops_naming_it(iberian):
    config = copy.deepcopy(iberian)
    config["sft"]["joint_cells"] = [{"translation_examples": 99999}]
    assert "sft.joint_cells[0]" in _error(config)
    config["sft"]["joint_cells"] = [{"examples": 1}]
    assert "'examples' is not an SFT axis" in _error(config)
