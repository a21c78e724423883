"""Benchmark suite: prints one line per figure and writes ``results/bench/bench.json``.

    python -m langadapt.bench            # everything except the end-to-end run
    python -m langadapt.bench --e2e      # plus the default run from an empty results/ (minutes)
    python -m langadapt.bench --only e2e --e2e-finished DIR   # the e2e figures of a default
                                         # run already finished in DIR (bash bootstrap.sh main)
    python -m langadapt.bench --quick    # fewer repeats and training steps
    python -m langadapt.bench --null-size   # only: rejection rate of the paper tests under the null

Figures (each line: ``name: value unit [target ...] [ratio vs baseline]``):

- ``matmul_peak_{fp32,bf16}``: best-of-N square GEMM on this CPU, measured in the same run.
- ``cpt_tokens_per_s`` (the project's CPT step, ``langadapt.train.cpt.train_cpt``) against
  ``hf_trainer_tokens_per_s`` (a plain ``transformers.Trainer`` on the same model, packed data,
  batch and arguments) -> ratio; ``cpt_mfu`` = 6 * parameters * tokens/s / measured peak.
- data preparation: tokenisation + packing tokens/s, apertium MT sentences/s,
  transliteration sentences/s, packing efficiency (share of non-padding tokens).
- CPT levers, one run each against the plain Trainer: eager attention (vs SDPA), foreach
  AdamW (vs fused), one thread, batch 2 x 2 accumulation, ``torch_compile``.
- workflow overhead: ``snakemake -n`` for a 1,000-cell CPT grid against a bare Snakefile with
  the same number of jobs (ratio), a no-op rerun.
- end-to-end (``--e2e``): wall time of ``snakemake --cores 2`` from an empty results/ in a copy
  of the repository, the share inside training and evaluation jobs (benchmark TSVs), how busy
  the cores were, the mean seconds of each evaluation suite per checkpoint, and a lower bound
  on one evaluation (``langadapt.bench.eval_bound``: its tokens over the model's forward
  tokens/s on one thread).

The measuring helpers are plain functions (tested in tests/test_bench.py); the timed runs are not
tests. Other processes on the machine change the numbers: the load average is recorded.
"""

from langadapt.bench.figures import (  # noqa: F401 (the helpers tests/test_bench.py checks)
    Figure,
    bare_snakefile,
    benchmark_seconds,
    best_of,
    eval_suite_seconds,
    format_line,
    gemm_flops,
    grid_config,
    machine_load,
    meets,
    mfu,
    packing_efficiency,
    read_step_times,
    train_eval_share,
    training_overhead,
    window_throughput,
)
from langadapt.bench.workflow import copy_repository  # noqa: F401
