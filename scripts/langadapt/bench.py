"""Benchmark suite: prints one line per figure and writes ``results/bench/bench.json``.

    python -m langadapt.bench            # everything except the end-to-end run
    python -m langadapt.bench --e2e      # plus the default run from an empty results/ (minutes)
    python -m langadapt.bench --quick    # fewer repeats and training steps

Figures (each line: ``name: value unit [target ...] [ratio vs baseline]``):

- ``matmul_peak_{fp32,bf16}``: best-of-N square GEMM on this CPU, measured in the same run.
- ``cpt_tokens_per_s`` (the project's CPT step, ``langadapt.train.cpt.train_cpt``) against
  ``hf_trainer_tokens_per_s`` (a plain ``transformers.Trainer`` on the same model, packed data,
  batch and arguments) -> ratio; ``cpt_mfu`` = 6 * parameters * tokens/s / measured peak.
- data preparation: tokenisation + packing tokens/s, apertium MT sentences/s,
  transliteration sentences/s, packing efficiency (share of non-padding tokens).
- workflow overhead: ``snakemake -n`` for a 1,000-cell CPT grid, a no-op rerun.
- end-to-end (``--e2e``): wall time of ``snakemake --cores 2`` from an empty results/ in a copy
  of the repository, and the share inside training and evaluation jobs (benchmark TSVs).

The measuring helpers are plain functions (tested in tests/test_bench.py); the timed runs are not
tests. Other processes on the machine change the numbers: the load average is recorded.
"""

import argparse
import copy
import csv
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
# Rules whose benchmark time counts as "inside training and evaluation".
TRAIN_EVAL_RULE = re.compile(r"^(train|cpt|sft|dpo|eval)")


# ----------------------------------------------------------------------------- figures


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


# ----------------------------------------------------------------------------- measurements


def measure_matmul(repeats: int, n: int) -> dict[str, float]:
    """Peak GFLOP/s of ``n x n`` GEMM in fp32 and bf16 (best of ``repeats``)."""
    import torch

    peaks = {}
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        a = torch.randn(n, n, dtype=dtype)
        b = torch.randn(n, n, dtype=dtype)
        torch.mm(a, b)  # warm-up
        seconds = best_of(lambda a=a, b=b: torch.mm(a, b), repeats)
        peaks[name] = gemm_flops(n) / seconds / 1e9
    return peaks


def cpt_setup(repo: Path, work: Path, steps: int):
    """(base model dir, packed.npy with ``batch * steps`` rows, recipe, seq_len)."""
    import numpy as np

    from langadapt.config import load_config

    config = load_config(repo / "config.yaml")
    recipe = dict(config["cpt"]["recipe"])
    batch = int(recipe.get("per_device_train_batch_size", 4))
    seq_len = int(config["mixture"]["seq_len"])
    base = repo / "results" / "models" / "base"
    if not (base / "config.json").exists():
        raise FileNotFoundError(f"{base} missing: run `snakemake --cores 2 results/models/base`")
    rows = batch * steps
    existing = sorted((repo / "results" / "mix").glob("*/*/*/*/packed.npy"))
    if existing:
        data = np.load(existing[0])
        source = str(existing[0].relative_to(repo))
    else:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(base))
        texts = [line for line in _fixture_texts(repo)]
        ids = []
        for encoded in tokenizer(texts, add_special_tokens=False)["input_ids"]:
            ids += encoded + [tokenizer.eos_token_id]
        data = np.asarray(ids, dtype=np.int32)
        source = "tests/fixtures text, tokenised and packed here (no mixture on disk)"
    flat = np.resize(np.asarray(data, dtype=np.int32).ravel(), rows * seq_len)
    packed = work / "packed.npy"
    np.save(packed, flat.reshape(rows, seq_len))
    return base, packed, recipe, seq_len, batch, source


def _fixture_texts(repo: Path) -> list[str]:
    texts = []
    with open(repo / "tests" / "fixtures" / "clean_train.jsonl", encoding="utf-8") as handle:
        for row in map(json.loads, handle):
            texts += [row["en"], row["target"]]
    return texts


def _training_arguments(recipe: dict, out_dir: Path, seed: int = 1):
    """The project's resolved TrainingArguments when the train stage exists, else the same keys."""
    try:
        from langadapt.train import recipes
        from langadapt.train.common import make_training_args

        return make_training_args(recipes.resolve_recipe("cpt", recipe, seed, out_dir), "cpt")
    except ImportError:
        from transformers import TrainingArguments

        keys = {"report_to": "none", "use_cpu": True, "logging_steps": 1, "disable_tqdm": True}
        keys.update({k: v for k, v in recipe.items() if k != "warmup_ratio"})
        return TrainingArguments(output_dir=str(out_dir), seed=seed, **keys)


def hf_trainer_step_times(base: Path, packed: Path, recipe: dict, work: Path) -> list[float]:
    """Cumulative step-end times of a plain ``transformers.Trainer`` run over ``packed``."""
    import numpy as np
    import torch
    from transformers import AutoModelForCausalLM, Trainer, TrainerCallback, default_data_collator

    rows = np.load(packed)

    class Rows(torch.utils.data.Dataset):
        def __len__(self):
            return len(rows)

        def __getitem__(self, index):
            ids = torch.from_numpy(rows[index].astype(np.int64))
            return {"input_ids": ids, "labels": ids.clone()}

    class Clock(TrainerCallback):
        def __init__(self):
            self.times = []

        def on_train_begin(self, args, state, control, **kwargs):
            self.start = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            self.times.append(time.perf_counter() - self.start)

    torch.manual_seed(1)
    model = AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.float32)
    model.config.use_cache = False
    clock = Clock()
    trainer = Trainer(
        model=model,
        args=_training_arguments(recipe, work / "hf_trainer"),
        train_dataset=Rows(),
        data_collator=default_data_collator,
        callbacks=[clock],
    )
    trainer.train()
    shutil.rmtree(work / "hf_trainer", ignore_errors=True)
    return clock.times


def project_cpt_step_times(base: Path, packed: Path, recipe: dict, work: Path) -> list[float]:
    """Step times of the project's CPT function (``train_cpt``), read from its train_log.csv."""
    from langadapt.train.cpt import train_cpt

    out = work / "cpt_out"
    checkpoints = work / "cpt_checkpoints"
    for path in (out, checkpoints):
        shutil.rmtree(path, ignore_errors=True)
    train_cpt(str(packed), str(base), str(out), str(checkpoints), dict(recipe), seed=1)
    times = read_step_times(out / "train_log.csv")
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(checkpoints, ignore_errors=True)
    return times


def measure_training(repo: Path, peaks: dict, quick: bool) -> list[Figure]:
    import torch

    steps = 4 if quick else 7
    repeats = 1 if quick else 2
    with tempfile.TemporaryDirectory(prefix="bench_cpt_") as tmp:
        work = Path(tmp)
        base, packed, recipe, seq_len, batch, source = cpt_setup(repo, work, steps)
        tokens_per_step = batch * seq_len
        try:
            import langadapt.train.cpt  # noqa: F401

            project = project_cpt_step_times
            project_note = "langadapt.train.cpt.train_cpt"
        except ImportError:
            project = None
            project_note = "train stage not on this branch"
        best = {"project": 0.0, "trainer": 0.0}
        for _ in range(repeats):  # alternate so a load spike hits both sides alike
            if project is not None:
                best["project"] = max(
                    best["project"],
                    window_throughput(project(base, packed, recipe, work), tokens_per_step),
                )
            best["trainer"] = max(
                best["trainer"],
                window_throughput(
                    hf_trainer_step_times(base, packed, recipe, work), tokens_per_step
                ),
            )
        from transformers import AutoConfig, AutoModelForCausalLM

        with torch.device("meta"):
            parameters = sum(
                p.numel()
                for p in AutoModelForCausalLM.from_config(
                    AutoConfig.from_pretrained(base)
                ).parameters()
            )
    precision = "bf16" if recipe.get("bf16") else "fp32"
    setting = (
        f"batch {batch} x seq {seq_len}, {precision}, steps 2-{steps} of {steps}, "
        f"best of {repeats}, save_steps {recipe.get('save_steps')}; data: {source}"
    )
    figures = [
        Figure(
            "hf_trainer_tokens_per_s",
            best["trainer"],
            "tokens/s",
            note=f"plain transformers.Trainer, same model/data/arguments; {setting}",
        ),
    ]
    project_tps = best["project"] if project is not None else None
    figures.append(
        Figure(
            "cpt_tokens_per_s",
            project_tps,
            "tokens/s",
            target=None,
            baseline="hf_trainer" if project_tps else None,
            ratio=project_tps / best["trainer"] if project_tps and best["trainer"] else None,
            note=project_note,
        )
    )
    figures.append(
        Figure(
            "cpt_vs_hf_trainer_ratio",
            project_tps / best["trainer"] if project_tps and best["trainer"] else None,
            "x",
            target=(">=", 1.0),
        )
    )
    peak = peaks[precision] * 1e9
    used = project_tps or best["trainer"]
    figures.append(
        Figure(
            "cpt_mfu",
            100 * mfu(parameters, used, peak),
            "%",
            note=f"6*N*tokens/s, N={parameters:,} (all parameters), vs measured {precision} peak",
        )
    )
    return figures


def measure_data_preparation(repo: Path, quick: bool) -> list[Figure]:
    figures = []
    base = repo / "results" / "models" / "base"
    texts = _corpus_texts(repo)
    try:
        from langadapt.mixture import mix_corpora
        from langadapt.tokenize_corpus import tokenize_documents
    except ImportError:
        figures.append(
            Figure(
                "tokenize_pack_tokens_per_s",
                None,
                "tokens/s",
                note="synth stage (tokenize_corpus, mixture) not on this branch",
            )
        )
        figures.append(
            Figure(
                "packing_efficiency",
                None,
                "%",
                target=(">=", 99.0),
                note="synth stage not on this branch",
            )
        )
    else:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(base))
        english, target = texts
        seq_len = 256
        state = {}

        def tokenize_and_pack():
            corpora = {
                "english": tokenize_documents(english, tokenizer),
                "real": tokenize_documents(target, tokenizer),
            }
            tokens = sum(len(ids) for ids in corpora.values())
            packed, info = mix_corpora(
                corpora,
                eos=tokenizer.eos_token_id,
                mixing_ratio=0.8,
                token_budget=tokens // 2,
                synthetic_weight=1.0,
                real_weight=2.0,
                seq_len=seq_len,
            )
            state.update(tokens=tokens, packed=packed, info=info)

        seconds = best_of(tokenize_and_pack, 1 if quick else 3)
        figures.append(
            Figure(
                "tokenize_pack_tokens_per_s",
                state["tokens"] / seconds,
                "tokens/s",
                note=f"{len(english) + len(target):,} documents, {state['tokens']:,} tokens, "
                f"SmolLM2 tokenizer + mix_corpora, seq {seq_len}",
            )
        )
        efficiency = packing_efficiency(
            state["packed"], padding_tokens=state["info"].get("padding_tokens", 0)
        )
        figures.append(
            Figure(
                "packing_efficiency",
                100 * efficiency,
                "%",
                target=(">=", 99.0),
                note="non-padding share of the packed array",
            )
        )
    figures.append(_measure_mt(texts[0][: 500 if quick else 2000]))
    figures.append(_measure_translit(repo, quick))
    return figures


def _corpus_texts(repo: Path) -> tuple[list[str], list[str]]:
    """English and target documents: the cleaned train split when built, else the fixture."""
    for train in sorted((repo / "results" / "data").glob("*/clean/train.jsonl")):
        english, target = [], []
        with open(train, encoding="utf-8") as handle:
            for row in map(json.loads, handle):
                if row.get("en"):
                    english.append(row["en"])
                if row.get("target"):
                    target.append(row["target"])
        if english and target:
            return english, target
    with open(repo / "tests" / "fixtures" / "clean_train.jsonl", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    return [r["en"] for r in rows] * 20, [r["target"] for r in rows] * 20


def _measure_mt(lines: list[str]) -> Figure:
    from langadapt.errors import LangadaptError
    from langadapt.mt import get_translator

    try:
        translator = get_translator({"backend": "apertium", "apertium_pair": "en-gl"})
    except LangadaptError as error:
        return Figure("mt_apertium_sentences_per_s", None, "sentences/s", note=str(error))
    seconds = best_of(lambda: translator.translate(lines), 1)
    return Figure(
        "mt_apertium_sentences_per_s",
        len(lines) / seconds,
        "sentences/s",
        note=f"apertium -u en-gl, {len(lines)} English paragraphs, one process",
    )


def _measure_translit(repo: Path, quick: bool) -> Figure:
    try:
        from langadapt.translit import transliterate_lines
    except ImportError:
        return Figure(
            "translit_sentences_per_s",
            None,
            "sentences/s",
            note="synth stage (langadapt.translit) not on this branch",
        )
    lines = (repo / "tests" / "fixtures" / "hindi.txt").read_text(encoding="utf-8").splitlines()
    lines = [line for line in lines if line.strip()] * (100 if quick else 400)
    seconds = best_of(lambda: transliterate_lines(lines, "itrans"), 1 if quick else 3)
    return Figure(
        "translit_sentences_per_s",
        len(lines) / seconds,
        "sentences/s",
        note=f"Devanagari -> ITRANS, {len(lines):,} lines",
    )


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
        figures.append(_noop_rerun(repo, copy, repeats))
    return figures


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
    lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    error = next((line for line in lines if "Error" in line or "error" in line), None)
    return "failed: " + (error or (lines[-1] if lines else f"exit {done.returncode}"))[:200]


def measure_end_to_end(repo: Path) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bench_e2e_") as tmp:
        copy = copy_repository(repo, Path(tmp) / "repo")
        wall, done = run_snakemake(copy, "--cores", "2", timeout=3600)
        if done.returncode:
            (ROOT / "results" / "bench").mkdir(parents=True, exist_ok=True)
            (ROOT / "results" / "bench" / "e2e_stderr.log").write_text(done.stderr)
            return [
                Figure(
                    "e2e_wall_min",
                    None,
                    "min",
                    target=("<=", 20.0),
                    note=_last_error(done) + " (results/bench/e2e_stderr.log)",
                )
            ]
        rules = benchmark_seconds(copy / "benchmarks")
        inside, share = train_eval_share(rules, wall)
        noop, _ = run_snakemake(copy, "--cores", "2", timeout=600)
    top = sorted(rules.items(), key=lambda item: -item[1])[:6]
    return [
        Figure(
            "e2e_wall_min",
            wall / 60,
            "min",
            target=("<=", 20.0),
            note="snakemake --cores 2 from an empty results/ (aim 10 min)",
            extra={"rule_seconds": rules},
        ),
        Figure(
            "e2e_train_eval_share",
            100 * share,
            "%",
            note=f"{inside:.0f} s of {wall:.0f} s inside training/evaluation jobs; top: "
            + ", ".join(f"{rule} {s:.0f}s" for rule, s in top),
        ),
        Figure(
            "e2e_overhead_share",
            100 * (1 - share),
            "%",
            target=("<=", 25.0),
            note="everything outside training/evaluation jobs",
        ),
        Figure(
            "e2e_noop_rerun_s",
            noop,
            "s",
            target=("<=", 3.0),
            note="snakemake --cores 2 on the finished default run",
        ),
    ]


# ----------------------------------------------------------------------------- main


def run(args) -> dict:
    repo = Path(args.repo).resolve()
    figures: list[Figure] = []
    report = {
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "load_start": machine_load(),
        }
    }

    def emit(new: list[Figure]):
        for figure in new:
            print(format_line(figure), flush=True)
        figures.extend(new)

    print(f"# load at start: {report['machine']['load_start']}", flush=True)
    size, repeats = (1024, 3) if args.quick else (2048, 10)
    peaks = measure_matmul(repeats=repeats, n=size)
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
    if not args.skip_train:
        emit(measure_training(repo, peaks, args.quick))
    emit(measure_data_preparation(repo, args.quick))
    emit(measure_workflow(repo, args.quick))
    if args.e2e:
        emit(measure_end_to_end(repo))
    report["machine"]["load_end"] = machine_load()
    print(f"# load at end: {report['machine']['load_end']}", flush=True)
    report["figures"] = [{**asdict(f), "met": f.met, "line": format_line(f)} for f in figures]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"# wrote {out}", flush=True)
    return report


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", default=str(ROOT), help="repository with results/models/base")
    parser.add_argument("--out", default="results/bench/bench.json")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and steps")
    parser.add_argument("--e2e", action="store_true", help="also time the default run (minutes)")
    parser.add_argument("--skip-e2e", dest="e2e", action="store_false", help="(default)")
    parser.add_argument("--skip-train", action="store_true", help="skip the CPT throughput runs")
    args = parser.parse_args(argv)
    os.environ.update(OFFLINE_ENV)
    run(args)


if __name__ == "__main__":
    main()
