"""Matmul peak and CPT training throughput: the project's CPT step against a plain Trainer."""

import json
import shutil
import tempfile
import time
from pathlib import Path

from langadapt.bench.figures import (
    Figure,
    best_of,
    gemm_flops,
    mfu,
    read_step_times,
    window_throughput,
)


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
    """(base model dir, a mixture ``mix.json`` of ``batch * steps`` sequences, recipe, seq_len)."""
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
    from transformers import AutoTokenizer

    from langadapt.mixture import MixtureIndex, index_token_stream

    tokenizer = AutoTokenizer.from_pretrained(str(base))
    existing = sorted((repo / "results" / "mix").glob("*/*/*/*/mix.json"))
    if existing:
        index = MixtureIndex(existing[0])
        data = np.concatenate([index.sequence(number) for number in range(len(index))])
        source = str(existing[0].relative_to(repo))
    else:
        texts = [line for line in _fixture_texts(repo)]
        ids = []
        for encoded in tokenizer(texts, add_special_tokens=False)["input_ids"]:
            ids += encoded + [tokenizer.eos_token_id]
        data = np.asarray(ids, dtype=np.int32)
        source = "tests/fixtures text, tokenised here and read in order (no mixture on disk)"
    flat = np.resize(np.asarray(data, dtype=np.int32).ravel(), rows * seq_len)
    np.save(work / "tokens.npy", flat.astype(np.uint32))
    mixture = work / "mix.json"
    index_token_stream(work / "tokens.npy", seq_len, tokenizer.eos_token_id, work / "index.npy",
                       mixture)
    return base, mixture, recipe, seq_len, batch, source


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

        keys = {
            "report_to": "none",
            "use_cpu": True,
            "logging_steps": 1,
            "disable_tqdm": True,
            "num_train_epochs": 1,
            "save_total_limit": 2,
        }
        keys.update({k: v for k, v in recipe.items() if k != "warmup_ratio"})
        return TrainingArguments(output_dir=str(out_dir), seed=seed, **keys)


def hf_trainer_step_times(
    base: Path, mixture: Path, recipe: dict, work: Path, attention: str | None = None
) -> list[float]:
    """Cumulative step-end times of a plain ``transformers.Trainer`` run over ``mixture``.

    ``attention`` picks the attention implementation (default: transformers' own, SDPA).
    """
    import numpy as np
    import torch
    from transformers import AutoModelForCausalLM, Trainer, TrainerCallback, default_data_collator

    from langadapt.mixture import MixtureIndex

    index = MixtureIndex(mixture)
    rows = np.stack([index.sequence(number) for number in range(len(index))])

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
    extra = {"attn_implementation": attention} if attention else {}
    model = AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.float32, **extra)
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


def project_cpt_step_times(base: Path, mixture: Path, recipe: dict, work: Path) -> list[float]:
    """Step times of the project's CPT function (``train_cpt``), read from its train_log.csv."""
    from langadapt.train.cpt import train_cpt

    out = work / "cpt_out"
    checkpoints = work / "cpt_checkpoints"
    for path in (out, checkpoints):
        shutil.rmtree(path, ignore_errors=True)
    train_cpt(str(mixture), str(base), str(out), str(checkpoints), dict(recipe), seed=1)
    times = read_step_times(out / "train_log.csv")
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(checkpoints, ignore_errors=True)
    return times


def measure_training(repo: Path, peaks: dict, quick: bool) -> list[Figure]:
    import torch

    steps = 4 if quick else 7
    repeats = 2  # one run of each side per order
    with tempfile.TemporaryDirectory(prefix="bench_cpt_") as tmp:
        work = Path(tmp)
        base, mixture, recipe, seq_len, batch, source = cpt_setup(repo, work, steps)
        tokens_per_step = batch * seq_len
        try:
            import langadapt.train.cpt  # noqa: F401

            project = project_cpt_step_times
            project_note = "langadapt.train.cpt.train_cpt"
        except ImportError:
            project = None
            project_note = "train stage not on this branch"
        best = {"project": 0.0, "trainer": 0.0}
        runners = {"trainer": hf_trainer_step_times}
        if project is not None:
            runners["project"] = project
        names = list(runners)
        for repeat in range(repeats):  # ABBA order: warm-up and load drift hit both sides alike
            for name in names if repeat % 2 else names[::-1]:
                times = runners[name](base, mixture, recipe, work)
                best[name] = max(best[name], window_throughput(times, tokens_per_step))
        from transformers import AutoConfig, AutoModelForCausalLM

        with torch.device("meta"):
            parameters = sum(
                p.numel()
                for p in AutoModelForCausalLM.from_config(
                    AutoConfig.from_pretrained(base)
                ).parameters()
            )
        levers = measure_levers(base, mixture, recipe, work, steps, batch * seq_len)
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
            target=(">=", 1.3),
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
    for figure in levers:
        figure.baseline, figure.ratio = "hf_trainer", figure.value / best["trainer"]
    return figures + levers


# One run each, against the plain Trainer's figure (transformers 5 defaults: SDPA attention,
# fused AdamW, torch's threads = cores). (name, runner, recipe overrides, note)
LEVERS = (
    ("eager_attention", "trainer", {}, "plain Trainer, eager attention instead of SDPA"),
    ("adamw_foreach", "trainer", {"optim": "adamw_torch"}, "plain Trainer, foreach AdamW"),
    ("one_thread", "trainer", {}, "plain Trainer, torch.set_num_threads(1)"),
    (
        "batch_2x2_accumulated",
        "project",
        {"per_device_train_batch_size": 2, "gradient_accumulation_steps": 2},
        "CPT step, batch 2 x 2 accumulation steps (same maths as 4)",
    ),
    ("torch_compile", "project", {"torch_compile": True}, "CPT step, torch.compile (inductor)"),
)


def measure_levers(base, mixture, recipe, work, steps, tokens_per_step) -> list[Figure]:
    """Tokens/s of each lever in ``LEVERS`` (one run each; compile: steps after the first two)."""
    import torch

    figures = []
    for name, runner, overrides, note in LEVERS:
        lever_recipe = {**recipe, **overrides}
        threads = torch.get_num_threads()
        if name == "one_thread":
            torch.set_num_threads(1)
        try:
            if runner == "trainer":
                attention = "eager" if name == "eager_attention" else None
                times = hf_trainer_step_times(base, mixture, lever_recipe, work, attention)
            else:
                times = project_cpt_step_times(base, mixture, lever_recipe, work)
        except Exception as error:  # a lever that does not run here is a finding, not a crash
            figures.append(Figure(f"lever_{name}", None, "tokens/s", note=f"{note}: {error}"[:200]))
            continue
        finally:
            torch.set_num_threads(threads)
        skip = 2 if name == "torch_compile" else 1
        value = window_throughput(times, tokens_per_step, skip=min(skip, len(times) - 1))
        if name == "torch_compile" and len(times) > 2:
            steady = (times[-1] - times[1]) / (len(times) - 2)
            note += f"; first step {times[0]:.0f} s (compilation ~{times[0] - steady:.0f} s)"
        figures.append(Figure(f"lever_{name}", value, "tokens/s", note=note))
    return figures
