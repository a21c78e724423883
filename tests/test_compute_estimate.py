"""Compute estimate: parameter counts from config.json dims, FLOPs, GPU-hours."""

import json
import math

import pytest
from langadapt import compute_estimate as ce
from langadapt.config import validate_config

LLAMA_31_8B = {  # config.json of meta-llama/Llama-3.1-8B
    "hidden_size": 4096, "num_hidden_layers": 32, "vocab_size": 128256,
    "intermediate_size": 14336, "num_attention_heads": 32, "num_key_value_heads": 8,
    "tie_word_embeddings": False,
}
LLAMA_7B = {
    "hidden_size": 4096, "num_hidden_layers": 32, "vocab_size": 32000,
    "intermediate_size": 11008, "num_attention_heads": 32, "tie_word_embeddings": False,
}
SMOLLM2_135M = {
    "hidden_size": 576, "num_hidden_layers": 30, "vocab_size": 49152,
    "intermediate_size": 1536, "num_attention_heads": 9, "num_key_value_heads": 3,
    "tie_word_embeddings": True,
}


@pytest.mark.parametrize(
    "dims, expected",
    [(LLAMA_31_8B, 8_030_261_248), (LLAMA_7B, 6_738_415_616), (SMOLLM2_135M, 134_515_008)],
)
def test_parameters_from_config_dims_match_published_counts(dims, expected):
    assert ce.parameters_from_model_config(dims) == expected


def test_table_agrees_with_dims():
    assert ce.KNOWN_PARAMETERS["meta-llama/Llama-3.1-8B"] == ce.parameters_from_model_config(
        LLAMA_31_8B
    )


def _config(**overrides):
    config = {
        "language": {"code": "gl"},
        "sources": [{"name": "s", "type": "local", "path": "x.txt"}],
        "synthetic": {"translation": {"enabled": False}},
        "base_model": {"kind": "hub", "id": "meta-llama/Llama-3.1-8B"},
        "cpt": {"grid": [{"mixing_ratio": [0.8], "token_budget": ["1B"]}], "epochs": 2},
        "sft": {
            "cpt_cell": {"mixing_ratio": 0.8, "token_budget": "1B", "synthetic_weight": 1.0,
                         "seed": 1},
            "general_examples": 1000,
            "grid": [{"init": ["cpt"], "instructions": ["mt"], "translation_examples": [0, 1000]}],
            "recipe": {"max_length": 1024, "num_train_epochs": 3},
        },
        "dpo": {
            "preference_pairs": 500,
            "grid": [{"init": ["cpt"], "instructions": ["mt"], "translation_examples": [0]}],
            "recipe": {"max_length": 1024, "num_train_epochs": 1},
        },
    }
    config.update(overrides)
    return validate_config(config)


N_8B = 8_030_261_248
ATTENTION_8B = 4 * 32 * 4096  # 4·L·d FLOPs per token, pass and position of the window


def test_flops_and_gpu_hours_on_known_numbers():
    jobs = ce.estimate(_config(), mfu=0.5, gpu_peak_tflops=1000)
    n, seq = N_8B, 256  # mixture.seq_len default
    cpt, sft0, sft1, dpo = jobs[:4]
    per_token = 6 * n + 3 * ATTENTION_8B * seq  # forward + backward, weights and attention
    assert (cpt.stage, cpt.tokens, cpt.flops) == ("cpt", 2_000_000_000, per_token * 2e9)
    # FLOPs / (0.5 * 1e15 FLOP/s) / 3600 s
    assert cpt.gpu_hours == pytest.approx(per_token * 2e9 / 5e14 / 3600)
    assert cpt.gpu_hours == pytest.approx(53.98, abs=0.01)
    assert sft0.tokens == 1000 * 1024 * 3
    assert sft0.flops == (4 * n + 3 * ATTENTION_8B * 1024) * sft0.tokens
    assert sft1.tokens == 2000 * 1024 * 3
    assert dpo.tokens == 500 * 2 * 1024
    assert dpo.flops == (6 * n + 4 * ATTENTION_8B * 1024) * dpo.tokens
    assert [job.cell for job in jobs][0] == "ratio=0.8/tokens=1B/synth=1.0/seed=1"


def test_gradient_checkpointing_adds_one_forward():
    config = _config()
    config["cpt"]["recipe"] = {"gradient_checkpointing": True}
    plain, recomputed = ce.estimate(_config())[0], ce.estimate(validate_config(config))[0]
    assert recomputed.flops - plain.flops == (2 * N_8B + ATTENTION_8B * 256) * plain.tokens


def test_every_checkpoint_is_evaluated():
    jobs = ce.estimate(_config(), mfu=0.5, gpu_peak_tflops=1000)
    evaluated = [job.cell for job in jobs if job.stage == "eval_checkpoint"]
    trained = [f"{job.stage}/{job.cell}" for job in jobs if job.stage in ("cpt", "sft", "dpo")]
    assert evaluated == ["base", *trained]
    # 4 bpc sets x 20000 chars / 4 chars per token scored, 100 sentences x 2 x 64 generated
    assert jobs[-1].gpu_hours == pytest.approx(
        (2 * N_8B * 20000 / 5e14 + 12800 / ce.GENERATION_TOKENS_PER_GPU_S) / 3600, rel=1e-6)


def test_machine_translation_of_mt_parts_and_synthetic_corpus():
    config = _config()
    config["synthetic"] = {"translation": {"enabled": True, "backend": "hf_seq2seq",
                                           "model": "m", "max_sentences": 1000}}
    config["sft"]["parts"] = [{"name": "general", "dataset": {"path": "json",
                                                             "data_files": "a.jsonl"},
                               "treatment": "mt", "examples": 100}]
    jobs = ce.estimate(validate_config(config), mt_tokens_per_s=1000)
    mt = {job.cell: job for job in jobs if job.method == "mt"}
    assert mt["synthetic"].tokens == 1000 * ce.SENTENCE_TOKENS
    assert mt["synthetic"].stage == "translate_english"
    assert mt["sft/general"].tokens == 100 * 1024
    assert mt["sft/general"].gpu_hours == pytest.approx(100 * 1024 / 1000 / 3600)


def test_runtime_is_the_longest_job_on_its_gpus_plus_a_margin():
    config = _config()
    config["cpt"]["gpus"] = 8
    jobs = ce.estimate(validate_config(config), mfu=0.5, gpu_peak_tflops=1000)
    runtimes = ce.suggested_runtimes(jobs)
    assert runtimes["cpt"] == math.ceil(jobs[0].gpu_hours / 8 * 60 * 1.2)
    assert "suggested runtime" in ce.format_report(jobs, 0.5, 1000)


def test_unknown_attention_shape_is_a_clear_error(monkeypatch):
    monkeypatch.delitem(ce.KNOWN_ATTENTION, "meta-llama/Llama-3.1-8B")
    with pytest.raises(Exception, match="KNOWN_ATTENTION"):
        ce.estimate(_config())


def test_local_model_counts_from_config_json(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(SMOLLM2_135M))
    config = _config(base_model={"kind": "local", "path": str(tmp_path)})
    assert ce.estimate(config)[0].parameters == 134_515_008


def test_unknown_hub_model_is_a_clear_error():
    with pytest.raises(Exception, match="not in the parameter table"):
        ce.estimate(_config(base_model={"kind": "hub", "id": "someone/unknown-model"}))


def test_cli_prints_rows_and_total(tmp_path, capsys):
    import yaml

    path = tmp_path / "c.yaml"
    raw = _config()
    path.write_text(yaml.safe_dump(raw))
    assert ce.main(["--configfile", str(path), "--mfu", "0.5", "--gpu-peak-tflops", "1000"]) == 0
    out = capsys.readouterr().out
    assert "total" in out and "9 jobs" in out and "MFU 0.5" in out


def test_full_sft_and_full_dpo_are_priced_as_full_training():
    """method: full prices SFT at 6ND (LoRA 4ND) and DPO at 8ND (LoRA 6ND: no second copy)."""
    config = _config()
    config["sft"]["method"] = config["dpo"]["method"] = "full"
    jobs = ce.estimate(config)
    n, attention = N_8B, ATTENTION_8B * 1024
    _, sft0, _, dpo = jobs[:4]
    assert sft0.flops == (6 * n + 3 * attention) * sft0.tokens
    assert dpo.flops == (8 * n + 4 * attention) * dpo.tokens
    lora = ce.estimate(_config())
    assert lora[1].flops == (4 * n + 3 * attention) * sft0.tokens
    assert lora[3].flops == (6 * n + 4 * attention) * dpo.tokens


def test_tokens_sum_the_parts_of_a_set():
    config = _config()
    config["sft"]["parts"] = [
        {"name": "en", "dataset": {"path": "json", "data_files": "a.jsonl"}, "treatment": "as_is",
         "examples": 1000},
        {"name": "mt", "dataset": {"path": "json", "data_files": "a.jsonl"}, "treatment": "as_is",
         "examples": 500},
    ]
    config = validate_config(config)
    sft0 = ce.estimate(config)[1]
    assert sft0.tokens == 1500 * 1024 * 3


def test_several_languages_price_each_language_and_the_joint_cell_on_all_their_examples():
    one = _config()
    config = {key: value for key, value in one.items() if key not in ("language", "sources")}
    config["sft"] = {**one["sft"], "joint": True, "grid": [
        {"init": ["base"], "instructions": ["mt"], "translation_examples": [0, 1000]}],
        "joint_cells": [{"translation_examples": 1000}]}
    config["dpo"] = {**one["dpo"], "enabled": False}
    config["languages"] = [
        {"language": {"code": code}, "sources": [{"name": "s", "type": "local", "path": "x.txt"}]}
        for code in ("gl", "eu")]
    jobs = ce.estimate(validate_config(config))
    sft = {job.cell: job for job in jobs if job.stage == "sft"}
    assert set(sft) == {f"{code}/init=base/instr=mt/xlate={n}/seed=1"
                        for code in ("gl", "eu") for n in (0, 1000)} | {
        "joint/init=base/instr=mt/xlate=1000/seed=1"}
    # the joint cell trains on both languages' 1000 general + 1000 translation examples
    assert sft["joint/init=base/instr=mt/xlate=1000/seed=1"].tokens == (
        2 * sft["gl/init=base/instr=mt/xlate=1000/seed=1"].tokens)
    evaluated = [job.cell for job in jobs if job.stage == "eval_checkpoint"]
    assert "gl/sft/joint/init=base/instr=mt/xlate=1000/seed=1" in evaluated
    assert "eu/sft/joint/init=base/instr=mt/xlate=1000/seed=1" in evaluated
    assert "gl/base" in evaluated and "eu/base" in evaluated
