"""CI proof of the paper recipes (issue 13): each paper config's declared data preparation and
one step of each of its training stages run on local stand-ins (tests/paper_standins.py: tiny
model, small local English corpus, local dataset parts, local task YAMLs), in one process."""

import pytest
import yaml
from langadapt.eval.lm_eval_tasks import run_lm_eval
from langadapt.modeling import is_adapter_dir, load_model, load_tokenizer
from langadapt.textio import read_json, read_jsonl
from paper_standins import prepare_and_train, standin_config

pytestmark = pytest.mark.workflow


def method(root, stage: str) -> str:
    """The training method a stage recorded next to its model."""
    return yaml.safe_load((root / stage / "recipe.yaml").read_text(encoding="utf-8"))["method"]


def test_paper_recipes_prepare_data_and_train_one_step(tiny_model_dir, tmp_path):
    runs = {name: prepare_and_train(standin_config(name, tmp_path / name, tiny_model_dir),
                                    tmp_path / name)
            for name in ("llama-eus", "x-llama", "nemotron-hi")}

    eus = runs["llama-eus"]
    assert list(eus["corpora"]) == ["english", "real"]  # no synthetic CPT text (cpt_corpus)
    # the first CPT cell reads corpus set zelaihandi: its real text is ZelaiHandi's alone
    assert eus["corpus_set"] > 0 and eus["corpus_set_sources"] == {"zelaihandi"}
    assert eus["corpora"]["english"]["origin"] == "source fineweb"  # FineWeb, not the help text
    english = read_jsonl(eus["corpora"]["english"]["file"].replace("results", str(
        tmp_path / "llama-eus" / "results"), 1))
    assert english and all(r["en"] and r["target"] is None for r in english)
    mix = eus["mixture"]["corpora"]
    assert mix["english"]["tokens"] > 0 and eus["mixture"]["target_share"] == pytest.approx(0.8,
                                                                                            abs=0.02)
    sft = read_jsonl(eus["sft_set"])
    assert {r["part"] for r in sft} == {"no_robots_mt", "slimorca_mt"}
    assert all(r["instructions"] == "mt" for r in sft)
    assert {r["part"] for r in read_jsonl(eus["preferences"])} == {"ultrafeedback_mt"}
    assert method(tmp_path / "llama-eus", "sft") == "lora" and eus["trained"]["cpt"]["steps"] == 1

    xllama = runs["x-llama"]
    sft = read_jsonl(xllama["sft_set"])
    parts = {r.get("part", r["task"]) for r in sft}
    assert parts == {"alpaca_en", "alpaca_mt", "translation"}
    english_rows = [r for r in sft if r.get("part") == "alpaca_en"]
    assert not any("Translate" in r["messages"][0]["content"][:9] for r in english_rows)
    assert method(tmp_path / "x-llama", "sft") == "full" and "cpt" not in xllama["trained"]
    assert not is_adapter_dir(tmp_path / "x-llama" / "sft" / "model")  # full weights

    hindi = runs["nemotron-hi"]
    assert list(hindi["corpora"]) == ["english", "real", "mt", "translit", "translit_mt"]
    assert hindi["mt_provenance"]["english_source"] == "english_docs"
    assert hindi["mt_provenance"]["segmentation"]["documents_split"] > 0  # document-level MT
    assert "truncated" in hindi["mt_provenance"]  # counted, not silent
    assert {name for name, c in hindi["mixture"]["corpora"].items() if c["tokens"]} >= {
        "english", "real", "translit"}
    assert {r["part"] for r in read_jsonl(hindi["preferences"])} == {"dpo_en", "dpo_hi_mt"}
    assert {r["part"] for r in read_jsonl(hindi["sft_set"])} == {"sft_en"}
    assert method(tmp_path / "nemotron-hi", "sft") == "full"
    assert method(tmp_path / "nemotron-hi", "dpo") == "full"
    assert read_json(tmp_path / "nemotron-hi" / "results/data/hi/plan_check.json")["checks"]

    # the config's harness tasks from an include path, at the config's few-shot counts
    config = eus["config"]["evaluation"]
    tokenizer = load_tokenizer(tmp_path / "llama-eus" / "sft" / "model")
    model = load_model(tmp_path / "llama-eus" / "sft" / "model", tokenizer=tokenizer)
    result = run_lm_eval(model, tokenizer, tmp_path / "llama-eus" / "lm_eval_tasks", [],
                         batch_size=4, extra_tasks=config["lm_eval_tasks"][:2],
                         include_paths=config["lm_eval_include_paths"])
    assert result["n_shot"] == {"standin_belebele_eus_Latn": 5, "standin_xstorycloze_eu": 0}
