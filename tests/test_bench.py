"""The benchmark's measuring helpers (no timed runs here)."""

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from langadapt import bench
from langadapt.config import validate_config
from langadapt.grids import cpt_cells, sft_init_cell

ROOT = Path(__file__).resolve().parents[1]


def test_meets_compares_in_the_target_direction():
    assert bench.meets(4.0, ("<=", 5.0)) is True
    assert bench.meets(6.0, ("<=", 5.0)) is False
    assert bench.meets(1.0, (">=", 1.0)) is True
    assert bench.meets(None, (">=", 1.0)) is None
    assert bench.meets(3.0, None) is None


def test_format_line_has_unit_target_and_ratio():
    figure = bench.Figure(
        "cpt_tokens_per_s",
        210.4,
        "tokens/s",
        target=(">=", 200.0),
        baseline="hf_trainer",
        ratio=1.04,
        note="bf16",
    )
    line = bench.format_line(figure)
    assert line.startswith("cpt_tokens_per_s: 210 tokens/s")
    assert "[target >= 200 tokens/s: met]" in line and "[ratio 1.04 vs hf_trainer]" in line
    missed = bench.format_line(bench.Figure("dry_run_s", 7.5, "s", target=("<=", 5.0)))
    assert "MISSED" in missed
    assert bench.format_line(bench.Figure("x", None, "s")) == "x: n/a s"


def test_gemm_flops_and_mfu():
    assert bench.gemm_flops(1000) == 2e9
    # 100M parameters at 1,000 tokens/s = 6e11 FLOP/s; against a 1.2 TFLOP/s peak: 50 %
    assert bench.mfu(100_000_000, 1000.0, 1.2e12) == pytest.approx(0.5)
    assert bench.mfu(10, 10.0, 0.0) == 0.0


def test_window_throughput_skips_warm_up():
    # step 1 took 10 s (warm-up), the next three 2 s each
    times = [10.0, 12.0, 14.0, 16.0]
    assert bench.window_throughput(times, tokens_per_step=1024, skip=1) == pytest.approx(512.0)
    assert bench.window_throughput(times, 1024, skip=0) == pytest.approx(4 * 1024 / 16)
    with pytest.raises(ValueError):
        bench.window_throughput([1.0], 1024, skip=1)


def test_read_step_times_orders_by_step(tmp_path):
    log = tmp_path / "train_log.csv"
    log.write_text(
        "step,epoch,loss,learning_rate,tokens_seen,elapsed_s\n"
        "2,0.5,3.0,1e-4,2048,9.5\n1,0.25,3.5,1e-4,1024,5.0\n3,0.75,2.9,1e-4,3072,\n"
    )
    assert bench.read_step_times(log) == [5.0, 9.5]


def test_packing_efficiency():
    packed = np.array([[1, 2, 0, 0], [3, 4, 5, 6]])
    assert bench.packing_efficiency(packed) == 1.0
    assert bench.packing_efficiency(packed, pad_id=0) == pytest.approx(0.75)
    assert bench.packing_efficiency(packed, padding_tokens=4) == pytest.approx(0.5)


def test_grid_config_has_exactly_1000_valid_cells():
    base = yaml.safe_load((ROOT / "config.yaml").read_text())
    config = validate_config(bench.grid_config(base, 1000))
    cells = cpt_cells(config)
    assert len(cells) == 1000
    assert sft_init_cell(config) in cells  # sft.cpt_cell stays in the grid
    assert base["cpt"]["grid"] != config["cpt"]["grid"]  # the input is not modified


def test_benchmark_seconds_and_train_eval_share(tmp_path):
    def tsv(path, seconds):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("s\th:m:s\tmax_rss\n" + "".join(f"{s}\t0:00:01\t1\n" for s in seconds))

    tsv(tmp_path / "prepare_base_model.tsv", [20.0])
    tsv(tmp_path / "train_cpt" / "gl" / "ratio=0.8" / "seed=1.tsv", [100.0])
    tsv(tmp_path / "train_cpt" / "gl" / "ratio=0.5" / "seed=1.tsv", [50.0])
    tsv(tmp_path / "eval_checkpoint" / "gl" / "base.tsv", [30.0, 40.0])  # -r repeats add up
    tsv(tmp_path / "clean_and_split" / "gl.tsv", [10.0])
    tsv(tmp_path / "eval_data" / "gl.tsv", [5.0])  # builds a file: overhead
    seconds = bench.benchmark_seconds(tmp_path)
    assert seconds == {
        "prepare_base_model": 20.0,
        "train_cpt": 150.0,
        "eval_checkpoint": 70.0,
        "clean_and_split": 10.0,
        "eval_data": 5.0,
    }
    inside, share = bench.train_eval_share(seconds)
    model_jobs = {"cpt": 1.0, "sft": 1.0, "dpo": 1.0, "eval_checkpoint": 1.0, "eval_data": 9.0}
    assert bench.train_eval_share({**model_jobs, "instruct_general": 9.0})[0] == 4.0
    assert inside == 220.0 and share == pytest.approx(220 / 255)


def test_copy_repository_skips_results(tmp_path):
    copy = bench.copy_repository(ROOT, tmp_path / "copy")
    assert (copy / "Snakefile").exists() and (copy / "scripts/langadapt/bench/figures.py").exists()
    assert not (copy / "results").exists()


@pytest.mark.workflow  # runs snakemake -n (a few seconds)
def test_bare_snakefile_has_the_requested_number_of_jobs(tmp_path):
    import subprocess
    import sys

    (tmp_path / "Snakefile").write_text(bench.bare_snakefile(25))
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    done = subprocess.run(
        [snakemake, "-n", "--cores", "1"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    from langadapt.bench.workflow import _dry_run_jobs

    assert _dry_run_jobs(done.stdout) == 25


def test_training_overhead_is_job_time_outside_the_loop(tmp_path):
    cell = "gl/ratio=0.8/tokens=8k/synth=1.0/seed=1"
    tsv = tmp_path / "benchmarks" / "cpt" / f"{cell}.tsv"
    tsv.parent.mkdir(parents=True)
    tsv.write_text("s\th:m:s\n50.0\t0:00:50\n")
    log = tmp_path / "results" / "cpt" / cell / "train_log.csv"
    log.parent.mkdir(parents=True)
    log.write_text(
        "step,epoch,loss,learning_rate,tokens_seen,elapsed_s\n1,0.5,6.0,1e-4,1024,20.0\n"
        "2,1.0,5.9,1e-4,2048,40.0\n"
    )
    assert bench.training_overhead(tmp_path / "benchmarks", tmp_path / "results") == (50.0, 10.0)


def test_eval_suite_seconds_are_means_over_checkpoints(tmp_path):
    for cell, bpc, translation in (("base", 10.0, 50.0), ("cpt/ratio=0.8/seed=1", 14.0, 40.0)):
        path = tmp_path / cell / "metrics.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"seconds": {"bpc": bpc, "translation": translation}}))
    assert bench.eval_suite_seconds(tmp_path) == {"bpc": 12.0, "translation": 45.0}


def test_evaluation_tokens_count_what_the_suites_run(tmp_path, tiny_model_dir):
    import torch
    from langadapt.bench.eval_bound import evaluation_tokens, forward_tokens_per_s
    from langadapt.eval.lm_eval_tasks import multiple_choice_context
    from langadapt.modeling import load_model, load_tokenizer

    tokenizer = load_tokenizer(tiny_model_dir)

    def count(text):
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    rows = [{"source": "Open the menu.", "hypothesis": "Abre o menú."}]
    (tmp_path / "bpc.json").write_text(json.dumps(
        {"bpc": {"target": {"tokens": 100}, "english": {"tokens": 50}}}))
    (tmp_path / "translation.json").write_text(json.dumps(
        {"directions": {"en-xx": {"hypotheses": rows}, "xx-en": {"hypotheses": []}}}))
    item = {"en": "Select a cell.", "choices": ["Seleccione unha cela.", "Abre o menú."]}
    (tmp_path / "multiple_choice.jsonl").write_text(json.dumps(item) + "\n")
    tokens = evaluation_tokens(tmp_path, tmp_path, tokenizer, "Galician")
    assert tokens["float32"] == 150 + count("Open the menu.") + count("Abre o menú.")
    context = count(multiple_choice_context(item["en"], "Galician"))
    assert tokens["bfloat16"] == sum(context + count(" " + c) for c in item["choices"])
    threads = torch.get_num_threads()
    model = load_model(tiny_model_dir)
    assert forward_tokens_per_s(model, torch.bfloat16, batch=2, length=8, repeats=1) > 0
    assert torch.get_num_threads() == threads  # one thread while measuring, then restored
    assert next(model.parameters()).dtype == torch.bfloat16


def test_markdown_report_has_one_row_per_figure_with_its_verdict():
    from dataclasses import asdict

    from langadapt.bench.figures import Figure, markdown_report

    figures = [Figure("e2e_wall_min", 14.2, "min", target=("<=", 10.0), note="a | b"),
               Figure("cpt_vs_hf_trainer_ratio", 1.01, "x", baseline="plain Trainer",
                      ratio=1.01, target=(">=", 1.3)),
               Figure("matmul_peak_fp32", 212.0, "GFLOP/s")]
    load = {"load_1m": 0.4, "cpus": 2}
    report = {"machine": {"platform": "Linux", "load_start": load, "load_end": load},
              "argv": ["--quick"],
              "figures": [{**asdict(f), "met": f.met} for f in figures]}
    text = markdown_report(report)
    rows = [line for line in text.splitlines() if line.startswith("| ") and "figure" not in line]
    assert len(rows) == 3
    assert rows[0].startswith("| e2e_wall_min | 14.20 min | <= 10.00 | **no** | a / b |")
    assert "1.01 (1.01× plain Trainer) x | >= 1.30 | **no**" in rows[1]
    assert rows[2].startswith("| matmul_peak_fp32 | 212 GFLOP/s |  |  |")
    assert "`--quick`" in text


def test_real_size_cpt_bench_runs_through_train_cpt(tmp_path):
    """The GPU bench's 1B CPT (unrun here: no GPU) on a tiny shape on CPU: the same code path."""
    from langadapt.bench.gpu import real_size_cpt, training_flops_per_token

    tiny = {"vocab_size": 300, "hidden_size": 32, "intermediate_size": 64,
            "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
            "max_position_embeddings": 64}
    rate, mfu_nominal = real_size_cpt(tmp_path, 1e12, tiny, seq_len=64, batch=2, steps=3)
    assert rate.value > 0 and "% of the nominal 989 TFLOP/s" in rate.note
    assert mfu_nominal.unit == "%" and mfu_nominal.value > 0
    one_b = {"vocab_size": 32000, "hidden_size": 2048, "intermediate_size": 8192,
             "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8,
             "tie_word_embeddings": True}
    plain = training_flops_per_token(one_b, 4096, recompute=False)
    attention = 6 * 16 * 2048 * 4096
    parameters = (plain - attention) / 6
    assert 1.0e9 < parameters < 1.2e9  # a 1B-class model
    assert training_flops_per_token(one_b, 4096, recompute=True) == pytest.approx(
        plain + 2 * parameters + attention / 3)


def test_first_run_seconds_reads_the_first_snakemake_log(tmp_path):
    import datetime
    import os

    from langadapt.bench.workflow import first_run_seconds

    logs = tmp_path / ".snakemake" / "log"
    logs.mkdir(parents=True)
    start = datetime.datetime(2026, 12, 6, 3, 0, 0, 500000)
    first = logs / f"{start.strftime('%Y-%m-%dT%H%M%S.%f')}.snakemake.log"
    first.write_text("done\n")
    os.utime(first, (start.timestamp() + 596.0, start.timestamp() + 596.0))
    (logs / "2026-12-06T031500.000000.snakemake.log").write_text("a later run\n")
    assert first_run_seconds(tmp_path) == pytest.approx(596.0)
    with pytest.raises(SystemExit, match="no Snakemake log"):
        first_run_seconds(tmp_path / "elsewhere")
