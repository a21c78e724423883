"""GPU smoke benchmark (``python -m langadapt.bench --gpu``): not part of CI.

On one CUDA GPU, in about 5-8 minutes with the default base model (SmolLM2-135M): the GPU's
measured bf16 matmul peak, then CPT (full fine-tuning), LoRA SFT and LoRA DPO through the
project's own ``train_*`` functions (the Trainer puts the model on the GPU) and greedy
generation, each with tokens/s and MFU against that peak. Training data: the packed mixture on
disk if there is one, else the test fixtures; instructions and preferences from the fixtures.
"""

import tempfile
import time
from pathlib import Path

from langadapt.bench.figures import Figure, gemm_flops, mfu

FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "fixtures"


def gpu_peak(n: int = 8192, repeats: int = 10) -> float:
    """Best bf16 ``n x n`` GEMM rate on the current GPU, FLOP/s."""
    import torch

    a = torch.randn(n, n, dtype=torch.bfloat16, device="cuda")
    b = torch.randn(n, n, dtype=torch.bfloat16, device="cuda")
    torch.mm(a, b)
    best = float("inf")
    for _ in range(repeats):
        torch.cuda.synchronize()
        started = time.perf_counter()
        torch.mm(a, b)
        torch.cuda.synchronize()
        best = min(best, time.perf_counter() - started)
    return gemm_flops(n) / best


def _instruction_files(work: Path) -> tuple[Path, Path]:
    from langadapt import instructions as inst
    from langadapt import preferences as prefs

    records = inst.read_jsonl(FIXTURES / "help_sections.jsonl")
    # the throughput does not depend on the translation: identity stands in for MT
    sections = inst.translate_sections(inst.help_sections(records), lambda lines: list(lines))
    pairs = inst.read_jsonl(FIXTURES / "clean_train.jsonl")
    general = inst.general_instructions(sections, "human", 6)
    translation = inst.translation_instructions(pairs, 64, "en-xx", "Galician")
    sft = work / "sft.jsonl"
    inst.write_jsonl(sft, inst.sft_set(general, translation, 64, seed=1))
    preferences = work / "preferences.jsonl"
    inst.write_jsonl(preferences, prefs.help_preferences(sections, 6, skip=6) * 4)
    return sft, preferences


def _trained_tokens(out: Path) -> float:
    """Tokens per second of training from a stage's ``train_log.csv`` (steps after the first)."""
    from langadapt.train.logs import read_train_log

    rows = read_train_log(out / "train_log.csv")
    if len(rows) < 2:
        raise RuntimeError(f"{out}: fewer than two logged steps")
    tokens = rows[-1]["tokens_seen"] - rows[0]["tokens_seen"]
    return tokens / (rows[-1]["elapsed_s"] - rows[0]["elapsed_s"])


def measure_gpu(repo: Path, quick: bool) -> list[Figure]:
    import torch

    from langadapt.bench.training import cpt_setup
    from langadapt.modeling import load_model, load_tokenizer
    from langadapt.train.cpt import train_cpt
    from langadapt.train.dpo import train_dpo
    from langadapt.train.sft import train_sft

    if not torch.cuda.is_available():
        return [Figure("gpu_bf16_peak", None, "TFLOP/s", note="no CUDA device: --gpu needs one")]
    peak = gpu_peak()
    name = torch.cuda.get_device_name()
    figures = [Figure("gpu_bf16_peak", peak / 1e12, "TFLOP/s", note=f"{name}, torch.mm 8192^2")]
    steps = 20 if quick else 60
    lora = {"lora_r": 16, "lora_alpha": 32, "lora_target_modules": "all-linear"}
    common = {"bf16": True, "save_steps": 10_000, "logging_steps": 1, "max_steps": steps}
    with tempfile.TemporaryDirectory(prefix="bench_gpu_") as tmp:
        work = Path(tmp)
        base, mixture, _, _, _, source = cpt_setup(repo, work, steps * 4)
        parameters = sum(p.numel() for p in load_model(base).parameters())
        sft_file, preferences = _instruction_files(work)
        runs = {
            "cpt": lambda: train_cpt(
                str(mixture),
                str(base),
                str(work / "cpt"),
                str(work / "ck_cpt"),
                {**common, "per_device_train_batch_size": 16},
                seed=1,
            ),
            "sft": lambda: train_sft(
                str(sft_file),
                str(base),
                str(work / "sft"),
                str(work / "ck_sft"),
                {**common, **lora, "per_device_train_batch_size": 16, "max_length": 512},
            ),
            "dpo": lambda: train_dpo(
                str(preferences),
                str(work / "sft" / "model"),
                str(work / "dpo"),
                str(work / "ck_dpo"),
                {**common, **lora, "per_device_train_batch_size": 8, "max_length": 512},
            ),
        }
        # FLOPs per token: full training 6N; LoRA SFT 4N (no weight gradients of the base);
        # LoRA DPO 6N (policy forward+backward 4N, reference forward 2N), as compute_estimate
        per_token = {"cpt": 6, "sft": 4, "dpo": 6}
        for stage, run in runs.items():
            try:
                run()
                rate = _trained_tokens(work / stage)
            except Exception as error:  # report the stage that does not run, keep measuring
                figures.append(
                    Figure(
                        f"gpu_{stage}_tokens_per_s", None, "tokens/s", note=f"failed: {error}"[:200]
                    )
                )
                continue
            utilisation = per_token[stage] / 6 * mfu(parameters, rate, peak)
            figures.append(
                Figure(
                    f"gpu_{stage}_tokens_per_s",
                    rate,
                    "tokens/s",
                    note=f"{steps} steps, bf16; MFU {100 * utilisation:.1f} % of the measured peak"
                    + (f"; data: {source}" if stage == "cpt" else ""),
                )
            )
        figures.append(_generation(work / "dpo" / "model", load_model, load_tokenizer))
    return figures


def _generation(model_dir: Path, load_model, load_tokenizer) -> Figure:
    """Greedy generation tokens/s of the DPO stage (adapters merged in memory), batch 16."""
    import torch

    from langadapt.textio import read_jsonl

    try:
        tokenizer = load_tokenizer(model_dir)
        tokenizer.padding_side = "left"
        model = load_model(model_dir, dtype="bfloat16").to("cuda").eval()
    except Exception as error:
        return Figure("gpu_generation_tokens_per_s", None, "tokens/s", note=f"failed: {error}")
    rows = read_jsonl(FIXTURES / "clean_train.jsonl")[:16]
    prompts = [f"Translate to Galician: {row['en']}\n" for row in rows]
    batch = tokenizer(prompts, return_tensors="pt", padding=True).to("cuda")
    new_tokens = 64
    with torch.no_grad():
        model.generate(**batch, max_new_tokens=4, do_sample=False)  # warm-up
        torch.cuda.synchronize()
        started = time.perf_counter()
        out = model.generate(
            **batch, max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False
        )
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    generated = (out.shape[1] - batch["input_ids"].shape[1]) * out.shape[0]
    return Figure(
        "gpu_generation_tokens_per_s",
        generated / seconds,
        "tokens/s",
        note=f"greedy, batch {len(prompts)}, {new_tokens} new tokens, bf16, KV cache",
    )
