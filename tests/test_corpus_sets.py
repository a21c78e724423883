"""CPT corpus sets as a grid axis (cpt.corpus_sets, cpt.grid[].corpus): which target sources
make up a cell's real corpus (Llama-eus: ZelaiHandi vs the Latxa corpus)."""

import copy
from pathlib import Path

import pytest
import yaml
from langadapt import grids
from langadapt.config import validate_config
from langadapt.corpora import select_corpus_set
from langadapt.errors import LangadaptError
from langadapt.textio import read_jsonl, write_jsonl

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def eus():
    return yaml.safe_load((ROOT / "configs" / "llama-eus.yaml").read_text())


def _error(config) -> str:
    with pytest.raises(LangadaptError) as caught:
        validate_config(copy.deepcopy(config))
    return str(caught.value)


def test_corpus_cells_name_their_set_and_default_paths_stay(eus):
    config = validate_config(copy.deepcopy(eus))
    paths = [grids.cell_path(cell, grids.CPT_AXES) for cell in grids.cpt_cells(config)]
    assert paths == ["corpus=zelaihandi/ratio=0.8/tokens=1.8B/synth=0.0/seed=1",
                     "corpus=latxa/ratio=0.8/tokens=1.8B/synth=0.0/seed=1"]
    assert grids.corpus_set(config, "latxa") == ["latxa_corpus"]
    assert grids.corpus_set(config, "all") is None
    default = yaml.safe_load((ROOT / "config.yaml").read_text())
    default = validate_config(default)
    assert all("corpus=" not in grids.cell_path(cell, grids.CPT_AXES)
               for cell in grids.cpt_cells(default))


def test_a_set_naming_an_unknown_source_stops_naming_the_key(eus):
    config = copy.deepcopy(eus)
    config["cpt"]["corpus_sets"]["latxa"] = ["latxa_corpus", "zelaiitxi"]
    assert "cpt.corpus_sets.latxa[1]': 'zelaiitxi' is not a source" in _error(config)


def test_a_set_naming_an_english_source_stops_naming_the_key(eus):
    config = copy.deepcopy(eus)
    config["cpt"]["corpus_sets"]["latxa"] = ["fineweb"]
    assert "cpt.corpus_sets.latxa[0]': 'fineweb' is an English source" in _error(config)


def test_a_grid_naming_an_unknown_set_stops_naming_the_key(eus):
    config = copy.deepcopy(eus)
    config["cpt"]["grid"][1]["corpus"] = ["zelaiitxi"]
    assert "cpt.grid[1].corpus': unknown corpus set 'zelaiitxi'" in _error(config)


def test_all_cannot_be_redefined(eus):
    config = copy.deepcopy(eus)
    config["cpt"]["corpus_sets"]["all"] = ["zelaihandi"]
    assert "cpt.corpus_sets.all" in _error(config)


def test_a_set_with_vocabulary_extension_is_refused(eus):
    config = copy.deepcopy(eus)
    config["cpt"]["grid"][1]["vocab_extension"] = [4000]
    assert "cpt.grid[1].corpus': a corpus set with vocab_extension" in _error(config)


def test_a_set_with_transliterated_real_text_is_refused():
    config = yaml.safe_load((ROOT / "configs" / "nemotron-hi.yaml").read_text())
    config["cpt"]["corpus_sets"] = {"culturax": ["culturax"]}
    config["cpt"]["grid"][0]["corpus"] = ["culturax"]
    assert "cpt.grid[0].corpus': a corpus set with transliteration" in _error(config)


def test_select_keeps_the_sets_sources_and_refuses_an_empty_set(tmp_path):
    train = tmp_path / "train.jsonl"
    write_jsonl(train, [{"id": "1", "source": "zelaihandi", "target": "a"},
                        {"id": "2", "source": "lohelp", "target": "b"}])
    assert select_corpus_set(train, tmp_path / "z.jsonl", "z", ["zelaihandi"]) == 1
    assert [r["id"] for r in read_jsonl(tmp_path / "z.jsonl")] == ["1"]
    with pytest.raises(LangadaptError, match=r"cpt.corpus_sets.latxa"):
        select_corpus_set(train, tmp_path / "l.jsonl", "latxa", ["latxa_corpus"])


def test_corpus_table_compares_cells_that_differ_only_in_the_set(tmp_path):
    import json

    from langadapt.paper.aggregate import collect_metrics
    from langadapt.paper.tables import write_tables

    names = ["base", "cpt/ratio=0.8/tokens=8k/synth=0.0/seed=1",
             "cpt/corpus=help/ratio=0.8/tokens=8k/synth=0.0/seed=1"]
    paths = []
    for index, name in enumerate(names):
        path = tmp_path / f"{index}.json"
        path.write_text(json.dumps({"checkpoint": name, "lang": "gl",
                                    "metrics": {"bpc_target": 2.0 - index / 10}}))
        paths.append(path)
    frame = collect_metrics(paths)
    assert set(frame.loc[frame["stage"] == "cpt", "corpus"]) == {"all", "help"}
    notes = write_tables(frame, tmp_path / "tables", "gl", "Galician")
    assert notes["corpus"] == ""
    rows = (tmp_path / "tables" / "corpus.md").read_text().splitlines()
    assert "| cpt | all |" in "\n".join(rows) and "| cpt | help |" in "\n".join(rows)


@pytest.mark.workflow
def test_corpus_set_mixture_runs_on_the_tiny_workflow(tiny_model_dir, tmp_path):
    """Through Snakemake: a cell of set `help` draws its real tokens from the help source only,
    the default cell (no corpus= part) from every target source."""
    from langadapt.textio import read_json
    from tiny_workflow import make_project, snakemake, tiny_config, write_config

    project = make_project(tmp_path / "repo", tiny_model_dir)
    lines = [f"Unha frase galega número {n} sobre o tempo e o mar." for n in range(300)]
    (project / "mono.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = tiny_config(tiny_model_dir)
    config["sources"].append({"name": "mono", "type": "local", "path": "mono.txt"})
    config["cpt"]["corpus_sets"] = {"help": ["lohelp"]}
    config["cpt"]["grid"][0]["corpus"] = ["all", "help"]
    config["sft"]["cpt_cell"]["corpus"] = "help"
    write_config(project, config)
    plan = snakemake(project, "-n")
    assert plan.returncode == 0, plan.stderr[-3000:]
    assert "results/cpt/gl/corpus=help/ratio=0.8/tokens=8k/synth=1.0/seed=1/model" in plan.stdout
    assert "results/cpt/gl/ratio=0.8/tokens=8k/synth=1.0/seed=1/model" in plan.stdout
    mixes = ["results/mix/gl/ratio=0.8/tokens=8k/synth=1.0/mix.json",
             "results/mix/gl/corpus=help/ratio=0.8/tokens=8k/synth=1.0/mix.json"]
    done = snakemake(project, "--cores", "2", *mixes)
    assert done.returncode == 0, done.stderr[-3000:]
    real = read_jsonl(project / "results/data/gl/clean/train/corpus=help.jsonl")
    assert real and {record["source"] for record in real} == {"lohelp"}
    every, help_only = (read_json(project / mix) for mix in mixes)
    available = [read_json(project / f"results/tokens/gl/{name}.json")["tokens"]
                 for name in ("real", "real/corpus=help")]
    assert available[1] < available[0]  # the mono source is only in the default cell's real
    assert every["corpora"]["real"]["tokens"] > 0 and help_only["corpora"]["real"]["tokens"] > 0
