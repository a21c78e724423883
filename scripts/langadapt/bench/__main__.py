"""``python -m langadapt.bench``: run the benchmark suite (see langadapt.bench)."""

import argparse
import json
import os
import platform
import sys
from dataclasses import asdict
from pathlib import Path

from langadapt.bench import __doc__ as DOC
from langadapt.bench.data_prep import measure_data_preparation
from langadapt.bench.figures import (
    OFFLINE_ENV,
    ROOT,
    Figure,
    format_line,
    machine_load,
    markdown_report,
)
from langadapt.bench.training import measure_matmul, measure_training
from langadapt.bench.workflow import measure_end_to_end, measure_finished_run, measure_workflow

SECTIONS = ("train", "data", "workflow", "e2e", "gpu")


def run(args, argv=None) -> dict:
    repo = Path(args.repo).resolve()
    figures: list[Figure] = []
    report = {
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "load_start": machine_load(),
        },
        "argv": sys.argv[1:] if argv is None else list(argv),
    }

    def emit(new: list[Figure]):
        for figure in new:
            print(format_line(figure), flush=True)
        figures.extend(new)

    print(f"# load at start: {report['machine']['load_start']}", flush=True)
    sections = set(args.only.split(",")) if args.only else set(SECTIONS)
    if args.skip_train:
        sections.discard("train")
    if not args.e2e and not args.only:
        sections.discard("e2e")
    if args.gpu:
        sections = {"gpu"}
    elif not args.only:
        sections.discard("gpu")
    size, repeats = (1024, 3) if args.quick else (2048, 10)
    peaks = measure_matmul(repeats=repeats, n=size)  # always: MFU needs the peak of this run
    emit(
        [
            Figure(
                f"matmul_peak_{name}",
                value,
                "GFLOP/s",
                note=f"torch.mm {size}^2, best of {repeats}",
            )
            for name, value in peaks.items()
        ]
    )
    if "train" in sections:
        emit(measure_training(repo, peaks, args.quick))
    if "data" in sections:
        emit(measure_data_preparation(repo, args.quick))
    if "workflow" in sections:
        emit(measure_workflow(repo, args.quick))
    if args.e2e_finished:
        emit(measure_finished_run(args.e2e_finished))
    elif "e2e" in sections:
        emit(measure_end_to_end(repo, args.e2e_dir))
    if "gpu" in sections:
        from langadapt.bench.gpu import measure_gpu

        emit(measure_gpu(repo, args.quick))
    report["machine"]["load_end"] = machine_load()
    print(f"# load at end: {report['machine']['load_end']}", flush=True)
    report["figures"] = [{**asdict(f), "met": f.met, "line": format_line(f)} for f in figures]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(markdown_report(report), encoding="utf-8")
    print(f"# wrote {out} and {out.with_suffix('.md')}", flush=True)
    return report


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=DOC.split("\n\n")[0])
    parser.add_argument("--repo", default=str(ROOT), help="repository with results/models/base")
    parser.add_argument("--out", default="results/bench/bench.json")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and steps")
    parser.add_argument("--e2e", action="store_true", help="also time the default run (minutes)")
    parser.add_argument("--skip-e2e", dest="e2e", action="store_false", help="(default)")
    parser.add_argument(
        "--e2e-dir",
        help="run the default run in this new directory and keep it "
        "(then `snakemake paper_publish` there); default: a temporary copy",
    )
    parser.add_argument(
        "--e2e-finished",
        help="the e2e figures of a default run already finished in this directory (e.g. a "
        "fresh clone after `bash bootstrap.sh main`; wall time from its first Snakemake log)",
    )
    parser.add_argument(
        "--gpu", action="store_true", help="only the GPU smoke bench: CPT/SFT/DPO/generation"
    )
    parser.add_argument("--skip-train", action="store_true", help="skip the CPT throughput runs")
    parser.add_argument("--only", help=f"comma-separated sections: {','.join(SECTIONS)}")
    parser.add_argument("--null-size", action="store_true",
                        help="only the null-size check of the paper tests (a table, ~1 minute)")
    parser.add_argument("--trials", type=int, default=1000, help="null-size trials per row")
    args = parser.parse_args(argv)
    if args.null_size:
        from langadapt.bench.null_size import markdown, rejection_rates

        print(markdown(rejection_rates(args.trials)), end="", flush=True)
        return
    os.environ.update(OFFLINE_ENV)
    run(args, argv)


if __name__ == "__main__":
    main()
