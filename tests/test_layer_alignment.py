"""x-LLaMA's layer analysis (paper.layer_alignment): per-layer similarity of parallel sentences."""

import pytest
from langadapt.errors import LangadaptError
from langadapt.modeling import load_model, load_tokenizer
from langadapt.paper.layer_alignment import (
    layer_alignment_figure,
    layer_similarity,
    write_layer_alignment,
)
from langadapt.textio import read_json, write_jsonl

PAIRS = [{"en": "Open the file menu.", "target": "Abra o menú Ficheiro."},
         {"en": "Choose a colour for the chart.", "target": "Escolla unha cor para a gráfica."},
         {"en": "The formula returns zero.", "target": "A fórmula devolve cero."}]


def test_identical_sides_are_aligned_at_every_layer_and_beat_the_mismatched_floor(tiny_model_dir):
    tokenizer = load_tokenizer(tiny_model_dir)
    model = load_model(tiny_model_dir, tokenizer=tokenizer).eval()
    copies = [{"en": p["en"], "target": p["en"]} for p in PAIRS]
    scores = layer_similarity(model, tokenizer, copies)
    layers = model.config.num_hidden_layers + 1  # embeddings first
    assert len(scores["parallel"]) == len(scores["mismatched"]) == layers
    assert all(value == pytest.approx(1.0, abs=1e-5) for value in scores["parallel"])
    assert all(gap > 0 for gap in scores["gap"])


def test_json_and_figure_per_checkpoint(tiny_model_dir, tmp_path):
    write_jsonl(tmp_path / "pairs.jsonl", PAIRS)
    result = write_layer_alignment({"base": str(tiny_model_dir), "again": str(tiny_model_dir)},
                                   tmp_path / "pairs.jsonl", tmp_path / "out.json", max_pairs=2)
    assert read_json(tmp_path / "out.json") == result and result["pairs"] == 2
    assert list(result["checkpoints"]) == ["base", "again"]
    layer_alignment_figure(result, tmp_path / "layers", "Galician")
    assert (tmp_path / "layers.png").stat().st_size > 0 and (tmp_path / "layers.pdf").exists()


def test_one_pair_has_no_mismatched_floor(tiny_model_dir):
    tokenizer = load_tokenizer(tiny_model_dir)
    model = load_model(tiny_model_dir, tokenizer=tokenizer)
    with pytest.raises(LangadaptError, match="paper.layer_alignment.pairs"):
        layer_similarity(model, tokenizer, PAIRS[:1])


@pytest.mark.workflow
def test_layer_alignment_rule_on_the_tiny_workflow(tiny_run, trapped_model_dir, tmp_path):
    """Through Snakemake: a checkpoint the run lacks stops the plan naming the key; the rule
    writes the JSON and figure over held-out pairs."""
    from tiny_workflow import copy_project, snakemake, tiny_config, write_config

    project = copy_project(tiny_run, tmp_path / "repo")
    config = tiny_config(trapped_model_dir)
    config["paper"]["layer_alignment"] = {"enabled": True, "pairs": 4,
                                          "checkpoints": ["base", "sft/nope"]}
    write_config(project, config)
    refused = snakemake(project, "-n")
    assert refused.returncode != 0
    assert "config key 'paper.layer_alignment.checkpoints[1]'" in refused.stdout + refused.stderr
    config["paper"]["layer_alignment"]["checkpoints"] = None
    write_config(project, config)
    plan = snakemake(project, "-n")
    assert plan.returncode == 0 and "paper_layer_alignment" in plan.stdout
    config["paper"]["layer_alignment"]["checkpoints"] = ["base"]
    write_config(project, config)
    target = "results/paper/default-run/layer_alignment.json"
    done = snakemake(project, "--cores", "2", target)
    assert done.returncode == 0, done.stderr[-3000:]
    result = read_json(project / target)
    assert result["pairs"] == 4 and list(result["checkpoints"]) == ["base"]
    assert (project / "results/paper/default-run/figures/layer_alignment.png").exists()
