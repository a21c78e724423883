"""The data-scale bench (issue 21) on a tiny corpus: every stage runs and reports its peak RSS."""

import json

import numpy as np
from langadapt.bench import data_scale


def test_bench_reports_each_stage_at_a_tiny_size(tmp_path, tiny_model_dir):
    out = tmp_path / "bench.json"
    data_scale.main(["--model", str(tiny_model_dir), "--work", str(tmp_path), "--tokens", "30k",
                     "--budget", "2k", "--seq-len", "32", "--steps", "5", "--out", str(out)])
    (result,) = json.loads(out.read_text())
    assert result["corpus_tokens"] == 30_000
    assert result["mix"]["sequences"] == 62 and result["train"]["steps"] == 5
    assert np.isfinite(result["train"]["loss_end"])  # logged every 5 steps
    assert result["tokenize_shard"]["tokens"] > 0
    for stage in ("mix", "train", "tokenize_shard"):
        assert result[stage]["peak_rss_mb"] > 0
