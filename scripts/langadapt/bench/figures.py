"""Figures (one measured number each) and the pure helpers that compute them."""

import copy
import csv
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
# Rules whose benchmark time counts as "inside training and evaluation": the training stages
# and the per-checkpoint evaluation (eval_data and eval_translation_set build files and count
# as overhead).
TRAIN_EVAL_RULE = re.compile(r"^(cpt|sft|dpo|train_\w+|eval_checkpoint)$")


@dataclass
class Figure:
    """One measured number; ``target`` is ``(">=" | "<=", value)`` when the issue sets one."""

    name: str
    value: float | None
    unit: str
    target: tuple[str, float] | None = None
    baseline: str | None = None
    ratio: float | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        return meets(self.value, self.target)


def meets(value, target) -> bool | None:
    """True/False when ``value`` meets ``target`` (``(">=", 1.0)``), None without a target."""
    if target is None or value is None:
        return None
    op, bound = target
    if op == ">=":
        return value >= bound
    if op == "<=":
        return value <= bound
    raise ValueError(f"unknown comparison {op!r}")


def _number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def format_line(figure: Figure) -> str:
    """``name: value unit [target <= 5 s: met] [ratio 1.03 vs baseline] (note)``."""
    value = "n/a" if figure.value is None else _number(figure.value)
    line = f"{figure.name}: {value} {figure.unit}"
    if figure.target is not None:
        op, bound = figure.target
        verdict = {True: "met", False: "MISSED", None: "not measured"}[figure.met]
        line += f" [target {op} {_number(bound)} {figure.unit}: {verdict}]"
    if figure.ratio is not None:
        line += f" [ratio {figure.ratio:.2f} vs {figure.baseline}]"
    if figure.note:
        line += f" ({figure.note})"
    return line


# ----------------------------------------------------------------------------- helpers


def best_of(function, repeats: int) -> float:
    """Smallest wall time (s) of ``repeats`` calls of ``function``."""
    best = float("inf")
    for _ in range(max(1, repeats)):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def gemm_flops(n: int) -> float:
    """Floating-point operations of an ``n x n`` by ``n x n`` matrix product."""
    return 2.0 * n**3


def mfu(parameters: int, tokens_per_s: float, peak_flops: float) -> float:
    """Model FLOPs utilisation: 6 * N * tokens/s (forward + backward) over the peak FLOP/s."""
    if not peak_flops:
        return 0.0
    return 6.0 * parameters * tokens_per_s / peak_flops


def window_throughput(step_times: list[float], tokens_per_step: int, skip: int = 1) -> float:
    """Tokens/s between the end of step ``skip`` and the last step (cumulative times in s).

    ``step_times[i]`` is the time at which step ``i + 1`` ended; the first ``skip`` steps are
    warm-up (allocator, autocast caches) and are excluded.
    """
    if len(step_times) <= skip:
        raise ValueError(f"need more than {skip} steps, got {len(step_times)}")
    start = step_times[skip - 1] if skip else 0.0
    seconds = step_times[-1] - start
    steps = len(step_times) - skip
    return steps * tokens_per_step / seconds


def read_step_times(train_log_csv) -> list[float]:
    """Cumulative ``elapsed_s`` per logged step from a ``train_log.csv`` (docs/contract.md)."""
    with open(train_log_csv, newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row.get("elapsed_s")]
    rows.sort(key=lambda row: int(float(row["step"])))
    return [float(row["elapsed_s"]) for row in rows]


def packing_efficiency(packed, pad_id: int | None = None, padding_tokens: int = 0) -> float:
    """Share of non-padding tokens in a packed ``[n, seq_len]`` array.

    ``pad_id`` counts positions holding that id (use it only when it differs from EOS);
    ``padding_tokens`` adds padding a packer reported.
    """
    import numpy as np

    total = int(np.asarray(packed).size)
    if not total:
        return 0.0
    padded = int(padding_tokens)
    if pad_id is not None:
        padded += int((np.asarray(packed) == pad_id).sum())
    return 1.0 - padded / total


def grid_config(base: dict, cells: int = 1000) -> dict:
    """``base`` with a CPT grid of exactly ``cells`` cells (ratios x budgets x seeds).

    The cell SFT starts from (``sft.cpt_cell``) stays in the grid so the config is valid.
    """
    config = copy.deepcopy(base)
    chosen = config.get("sft", {}).get(
        "cpt_cell", {"mixing_ratio": 0.8, "token_budget": "12k", "synthetic_weight": 1.0, "seed": 1}
    )
    ratios = _with_first(chosen["mixing_ratio"], [round(0.1 * i, 1) for i in range(1, 11)])
    budgets = _with_first(str(chosen["token_budget"]), [f"{4 * i}k" for i in range(1, 11)])
    per_seed_block = len(ratios) * len(budgets)
    if cells % per_seed_block:
        raise ValueError(f"cells must be a multiple of {per_seed_block}")
    seeds = _with_first(int(chosen["seed"]), list(range(1, cells // per_seed_block + 1)))
    config["cpt"]["grid"] = [
        {
            "mixing_ratio": ratios,
            "token_budget": budgets,
            "synthetic_weight": [chosen.get("synthetic_weight", 1.0)],
            "seed": seeds,
        }
    ]
    return config


def bare_snakefile(jobs: int) -> str:
    """A Snakefile with exactly ``jobs`` jobs (``jobs - 1`` independent ones and ``all``) and no
    workflow logic: the floor a dry run of the real workflow is compared with."""
    if jobs < 2:
        raise ValueError("a bare Snakefile needs at least 2 jobs")
    return (
        "rule all:\n"
        f"    input: expand('out/{{index}}.txt', index=range({jobs - 1}))\n\n"
        "rule make:\n"
        "    output: 'out/{index}.txt'\n"
        "    shell: 'touch {output}'\n"
    )


def _with_first(value, values: list) -> list:
    """``values`` (length kept) with ``value`` in it."""
    if value in values:
        return values
    return [value] + values[:-1]


def benchmark_seconds(benchmarks_dir) -> dict[str, float]:
    """Seconds per rule summed over Snakemake benchmark TSVs (``benchmarks/{rule}/...tsv``)."""
    totals: dict[str, float] = {}
    root = Path(benchmarks_dir)
    for tsv in sorted(root.rglob("*.tsv")):
        relative = tsv.relative_to(root)
        rule = relative.parts[0] if len(relative.parts) > 1 else tsv.stem
        with open(tsv, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        seconds = sum(float(row["s"]) for row in rows if row.get("s") not in (None, "", "NA"))
        totals[rule] = totals.get(rule, 0.0) + seconds
    return totals


def training_overhead(benchmarks_dir, results_dir) -> tuple[float, float]:
    """(job seconds of the cpt/sft/dpo jobs, seconds of them outside the training loop).

    Outside = the job's benchmark seconds minus the loop's last ``elapsed_s`` in its
    ``train_log.csv``: process start-up, imports, model load, data preparation and saving.
    """
    job_s = outside_s = 0.0
    for stage in ("cpt", "sft", "dpo"):
        root = Path(benchmarks_dir) / stage
        for tsv in sorted(root.rglob("*.tsv")) if root.is_dir() else []:
            cell = tsv.relative_to(root).with_suffix("")
            log = Path(results_dir) / stage / cell / "train_log.csv"
            with open(tsv, newline="", encoding="utf-8") as handle:
                seconds = sum(float(row["s"]) for row in csv.DictReader(handle, delimiter="\t"))
            inside = read_step_times(log)[-1] if log.is_file() else 0.0
            job_s += seconds
            outside_s += max(0.0, seconds - inside)
    return job_s, outside_s


def train_eval_share(rule_seconds: dict[str, float], wall_s: float) -> tuple[float, float]:
    """(seconds inside training + evaluation rules, their share of the wall time)."""
    inside = sum(s for rule, s in rule_seconds.items() if TRAIN_EVAL_RULE.match(rule))
    return inside, (inside / wall_s if wall_s else 0.0)


def machine_load() -> dict:
    one, five, fifteen = os.getloadavg()
    return {
        "load_1m": round(one, 2),
        "load_5m": round(five, 2),
        "load_15m": round(fifteen, 2),
        "cpus": os.cpu_count(),
    }
