"""Workflow overhead and the end-to-end run: Snakemake in a copy of the repository."""

import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from langadapt.bench.figures import (
    OFFLINE_ENV,
    ROOT,
    Figure,
    bare_snakefile,
    benchmark_seconds,
    eval_suite_seconds,
    grid_config,
    train_eval_share,
    training_overhead,
)


def copy_repository(source: Path, dest: Path) -> Path:
    """Copy the tracked files of ``source`` (no results/, logs/, benchmarks/) to ``dest``."""
    listed = (
        subprocess.run(
            [
                "git",
                "-C",
                str(source),
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        if name.split("/", 1)[0] in ("results", "logs", "benchmarks", ".snakemake"):
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (source / name).is_file():
            shutil.copy2(source / name, target)
    return dest


def _snakemake() -> str:
    found = Path(sys.executable).with_name("snakemake")
    return str(found) if found.exists() else "snakemake"


def run_snakemake(
    workdir, *args, timeout=None, env=None
) -> tuple[float, subprocess.CompletedProcess]:
    """(wall seconds, completed process) of ``snakemake args`` in ``workdir``."""
    environment = {**os.environ, **OFFLINE_ENV, **(env or {})}
    started = time.perf_counter()
    done = subprocess.run(
        [_snakemake(), *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
    )
    return time.perf_counter() - started, done


def measure_workflow(repo: Path, quick: bool) -> list[Figure]:
    figures = []
    repeats = 1 if quick else 3
    with tempfile.TemporaryDirectory(prefix="bench_wf_") as tmp:
        copy = copy_repository(repo, Path(tmp) / "repo")
        base_config = yaml.safe_load((copy / "config.yaml").read_text(encoding="utf-8"))
        grid_file = copy / "grid1000.yaml"
        grid_file.write_text(yaml.safe_dump(grid_config(base_config, 1000)), encoding="utf-8")
        times, failure = [], ""
        for _ in range(repeats):
            seconds, done = run_snakemake(copy, "-n", "--configfile", str(grid_file), timeout=300)
            if done.returncode:
                failure = _last_error(done)
                break
            times.append(seconds)
        jobs = _dry_run_jobs(done.stdout) if not failure else None
        figures.append(
            Figure(
                "dry_run_1000_cells_s",
                min(times) if times else None,
                "s",
                target=("<=", 5.0),
                note=failure or f"snakemake -n, {jobs} jobs, best of {repeats}",
            )
        )
        figures += _bare_dry_run(Path(tmp) / "bare", jobs, min(times) if times else None, repeats)
        figures.append(_noop_rerun(repo, copy, repeats))
    return figures


def _bare_dry_run(work: Path, jobs: int | None, workflow_s, repeats: int) -> list[Figure]:
    """``snakemake -n`` of a bare Snakefile with as many jobs as the 1,000-cell dry run."""
    if not jobs:
        return [Figure("dry_run_bare_snakefile_s", None, "s", note="no job count to match")]
    work.mkdir(parents=True, exist_ok=True)
    (work / "Snakefile").write_text(bare_snakefile(jobs), encoding="utf-8")
    times = []
    for _ in range(repeats):
        seconds, done = run_snakemake(work, "-n", "--cores", "1", timeout=300)
        if done.returncode:
            return [Figure("dry_run_bare_snakefile_s", None, "s", note=_last_error(done))]
        times.append(seconds)
    bare = min(times)
    return [
        Figure("dry_run_bare_snakefile_s", bare, "s", note=f"{jobs} jobs, best of {repeats}"),
        Figure(
            "dry_run_vs_bare_ratio",
            workflow_s / bare if workflow_s else None,
            "x",
            target=("<=", 1.3),
            note="1,000-cell dry run over the bare Snakefile's",
        ),
    ]


def _noop_rerun(repo: Path, copy: Path, repeats: int) -> Figure:
    """Time ``snakemake --cores 2 results/models/base`` once it is up to date."""
    target = "results/models/base"
    seconds, done = run_snakemake(copy, "--cores", "2", target, timeout=900)
    if done.returncode:
        return Figure("noop_rerun_s", None, "s", target=("<=", 3.0), note=_last_error(done))
    times = []
    for _ in range(repeats):
        seconds, done = run_snakemake(copy, "--cores", "2", target, timeout=300)
        times.append(seconds)
    nothing = "Nothing to be done" in (done.stdout + done.stderr)
    return Figure(
        "noop_rerun_s",
        min(times),
        "s",
        target=("<=", 3.0),
        note=f"snakemake --cores 2 {target}, up to date"
        + ("" if nothing else " (WARNING: it ran jobs)"),
    )


def _dry_run_jobs(stdout: str) -> int | None:
    match = re.search(r"^total\s+(\d+)", stdout, re.MULTILINE)
    return int(match.group(1)) if match else None


def _last_error(done: subprocess.CompletedProcess) -> str:
    lines = [line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    for index, line in enumerate(lines):
        if line.startswith("affected files:") and index + 1 < len(lines):
            return f"failed: missing input {lines[index + 1]} (no rule produces it)"
    error = next((line for line in lines if "Exception" in line or "Error" in line), None)
    return "failed: " + (error or (lines[-1] if lines else f"exit {done.returncode}"))[:200]


CORES = 2  # the machine: the default run's targets are for 2 cores


def measure_end_to_end(repo: Path, keep_dir=None) -> list[Figure]:
    """The default run from an empty results/ in a copy of ``repo`` (kept in ``keep_dir``, a
    directory that must not exist yet, else a temporary one)."""
    if keep_dir is not None:
        if Path(keep_dir).exists():
            raise SystemExit(f"--e2e-dir {keep_dir}: exists; name a new directory")
        return _end_to_end(copy_repository(repo, Path(keep_dir)))
    with tempfile.TemporaryDirectory(prefix="bench_e2e_") as tmp:
        return _end_to_end(copy_repository(repo, Path(tmp) / "repo"))


def _evaluation_bound(copy: Path) -> Figure:
    """``eval_bound``'s lower bound for the base model's evaluation in the finished run."""
    import torch

    from langadapt.bench.eval_bound import evaluation_tokens, forward_tokens_per_s
    from langadapt.modeling import load_model, load_tokenizer

    config = yaml.safe_load((copy / "config.yaml").read_text())
    lang = config["language"]["code"]
    base = copy / "results" / "models" / "base"
    tokenizer = load_tokenizer(base)
    tokens = evaluation_tokens(copy / f"results/eval/{lang}/base",
                               copy / f"results/eval_data/{lang}", tokenizer,
                               config["language"]["name"])
    model = load_model(base)
    rates = {name: forward_tokens_per_s(model, getattr(torch, name)) for name in tokens}
    bound = sum(tokens[name] / rates[name] for name in tokens)
    return Figure(
        "e2e_eval_lower_bound_s",
        bound,
        "s",
        note="tokens one evaluation must run / forward tokens/s of the base model on one "
        "thread (32 x 64): " + ", ".join(
            f"{name} {tokens[name]:,} at {rates[name]:.0f}/s" for name in tokens
        ) + " (chat templates, instructions, attention over the cache, start-up left out)",
        extra={"tokens": tokens, "forward_tokens_per_s": rates},
    )


def measure_finished_run(project) -> list[Figure]:
    """The end-to-end figures of a default run already finished in ``project`` (e.g. a fresh
    clone after ``bash bootstrap.sh main``), without running it again."""
    return _run_figures(Path(project), first_run_seconds(Path(project)),
                        "the first snakemake run in a finished project (its log)")


def first_run_seconds(project: Path) -> float:
    """Wall seconds of the first Snakemake run in ``project``: from the start stamp in the name
    of its log (.snakemake/log/<start>.snakemake.log) to the log's last write."""
    logs = sorted((project / ".snakemake" / "log").glob("*.snakemake.log"))
    if not logs:
        raise SystemExit(f"--e2e-finished {project}: no Snakemake log in .snakemake/log")
    stamp = logs[0].name.removesuffix(".snakemake.log")
    started = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H%M%S.%f").timestamp()
    return logs[0].stat().st_mtime - started


def _own_code(copy: Path) -> dict:
    """The environment that runs ``copy``'s own scripts, not the editable install's checkout."""
    return {"PYTHONPATH": str(copy / "scripts")}


def _end_to_end(copy: Path) -> list[Figure]:
    wall, done = run_snakemake(copy, "--cores", str(CORES), timeout=3600, env=_own_code(copy))
    if done.returncode:
        (ROOT / "results" / "bench").mkdir(parents=True, exist_ok=True)
        (ROOT / "results" / "bench" / "e2e_stderr.log").write_text(done.stderr)
        return [
            Figure(
                "e2e_wall_min",
                None,
                "min",
                target=("<=", 10.0),
                note=_last_error(done) + " (results/bench/e2e_stderr.log)",
            )
        ]
    return _run_figures(copy, wall, "snakemake --cores 2 from an empty results/")


def _run_figures(copy: Path, wall: float, how: str) -> list[Figure]:
    """The figures of the finished default run in ``copy`` that took ``wall`` seconds (``how``
    it was timed)."""
    bound = _evaluation_bound(copy)
    rules = benchmark_seconds(copy / "benchmarks")
    training_s, outside_s = training_overhead(copy / "benchmarks", copy / "results")
    inside, share = train_eval_share(rules)
    evaluations = len(list((copy / "benchmarks" / "eval_checkpoint").rglob("*.tsv")))
    eval_s = rules.get("eval_checkpoint", 0.0)
    suites = eval_suite_seconds(copy / "results" / "eval")
    job_s = sum(rules.values())
    noop, _ = run_snakemake(copy, "--cores", str(CORES), timeout=600, env=_own_code(copy))
    top = sorted(rules.items(), key=lambda item: -item[1])[:6]
    return [
        Figure(
            "e2e_wall_min",
            wall / 60,
            "min",
            target=("<=", 10.0),
            note=how,
            extra={"rule_seconds": rules},
        ),
        Figure(
            "e2e_cores_busy_share",
            100 * job_s / (wall * CORES) if wall else None,
            "%",
            note=f"{job_s:.0f} job-seconds (a job counts once, whatever its threads) over "
            f"{CORES} cores x {wall:.0f} s wall; at 100 % the run would take "
            f"{job_s / CORES / 60:.1f} min",
        ),
        Figure(
            "e2e_train_eval_share",
            100 * share,
            "%",
            note=f"{inside:.0f} of {job_s:.0f} job-seconds in training/evaluation "
            "jobs; top: " + ", ".join(f"{rule} {s:.0f}s" for rule, s in top),
        ),
        Figure(
            "e2e_eval_per_checkpoint_s",
            eval_s / evaluations if evaluations else None,
            "s",
            target=("<=", 30.0),
            note=f"mean eval_checkpoint job over {evaluations} checkpoints (one thread each); "
            "suites: " + ", ".join(f"{suite} {s:.1f}s" for suite, s in suites.items()),
            extra={"suite_seconds": suites},
        ),
        bound,
        Figure(
            "e2e_eval_share",
            100 * eval_s / job_s if job_s else None,
            "%",
            target=("<=", 30.0),
            note=f"{eval_s:.0f} of {job_s:.0f} job-seconds",
        ),
        Figure(
            "e2e_overhead_share",
            100 * (1 - share),
            "%",
            target=("<=", 25.0),
            note="job-seconds outside training/evaluation jobs",
        ),
        Figure(
            "e2e_training_startup_share",
            100 * outside_s / training_s if training_s else None,
            "%",
            target=("<=", 20.0),
            note=f"{outside_s:.0f} of {training_s:.0f} job-seconds of cpt/sft/dpo outside the "
            "training loop (start-up, imports, load, save)",
        ),
        Figure(
            "e2e_noop_rerun_s",
            noop,
            "s",
            target=("<=", 3.0),
            note="snakemake --cores 2 on the finished default run",
        ),
    ]
