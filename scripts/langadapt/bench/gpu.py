"""GPU smoke benchmark (``python -m langadapt.bench --gpu``): not part of CI.

On one CUDA GPU, in about 5-8 minutes with the default base model (SmolLM2-135M): the GPU's
measured bf16 matmul peak, then CPT (full fine-tuning), LoRA SFT and LoRA DPO through the
project's own ``train_*`` functions (the Trainer puts the model on the GPU) and greedy
generation, each with tokens/s and MFU against that peak. Training data: the mixture on
disk if there is one, else the test fixtures; instructions and preferences from the fixtures.
Then (not with ``--quick``) CPT of a 1B-class Llama built from its config (random bf16
weights, nothing downloaded) at sequence length 4096 with activation checkpointing, its MFU
against the nominal bf16 peak (H100 SXM: 989 TFLOP/s) and against the measured one, counting
attention FLOPs (``real_size_cpt``).
"""

import tempfile
import time
from pathlib import Path

from langadapt.bench.figures import Figure, gemm_flops, mfu

FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "fixtures"
NOMINAL_BF16_PEAK = 989e12  # H100 SXM dense bf16, the peak compute_estimate --mfu assumes
# A 1B-class Llama (Llama-3.2-1B's shape with a 32k vocabulary): about 1.1B parameters.
ONE_B_CONFIG = {"vocab_size": 32000, "hidden_size": 2048, "intermediate_size": 8192,
                "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8,
                "max_position_embeddings": 4096, "tie_word_embeddings": True}


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
        if not quick:  # first: it needs no model on disk, and it is the figure that matters
            try:
                figures += real_size_cpt(work / "real_size", peak)
            except Exception as error:  # e.g. out of memory: say so, keep the other figures
                figures.append(Figure("gpu_1b_cpt_tokens_per_s", None, "tokens/s",
                                      note=f"failed: {error}"[:200]))
        try:
            base, mixture, _, _, _, source = cpt_setup(repo, work, steps * 4)
        except FileNotFoundError as error:  # a fresh machine without results/models/base
            return figures + [Figure("gpu_cpt_tokens_per_s", None, "tokens/s", note=str(error))]
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


def training_flops_per_token(config: dict, seq_len: int, recompute: bool) -> float:
    """Forward + backward FLOPs per token: 6N plus causal attention (scores and values,
    ``6 * layers * hidden * seq_len`` for half the square), and one more forward (2N +
    attention/3) with activation recompute."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    with torch.device("meta"):
        model = LlamaForCausalLM(LlamaConfig(**config))
    parameters = sum(p.numel() for p in model.parameters())
    attention = 6.0 * config["num_hidden_layers"] * config["hidden_size"] * seq_len
    per_token = 6.0 * parameters + attention
    return per_token + (2.0 * parameters + attention / 3 if recompute else 0.0)


def placeholder_tokenizer(vocab_size: int):
    """A word-level tokenizer with ``vocab_size`` tokens ``t0``..: the training data are random
    ids, so only the vocabulary size matters (nothing downloaded)."""
    from tokenizers import Tokenizer, models
    from transformers import PreTrainedTokenizerFast

    vocab = {f"t{i}": i for i in range(vocab_size)}
    return PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer(models.WordLevel(vocab, unk_token="t0")),
        unk_token="t0", pad_token="t1", eos_token="t2", bos_token="t3",
    )


def real_size_cpt(work: Path, measured_peak: float, config: dict = ONE_B_CONFIG,
                  seq_len: int = 4096, batch: int = 4, steps: int = 12) -> list[Figure]:
    """CPT of a model built from ``config`` (random weights, random token ids) through
    ``train_cpt``: tokens/s over the steps after the first, MFU against the nominal and the
    measured bf16 peak."""
    import numpy as np
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from langadapt.mixture import index_token_stream
    from langadapt.train.cpt import train_cpt

    base = work / "base"
    tokenizer = placeholder_tokenizer(config["vocab_size"])
    torch.manual_seed(0)
    LlamaForCausalLM(LlamaConfig(**config)).to(torch.bfloat16).save_pretrained(base)
    tokenizer.save_pretrained(base)
    ids = np.random.default_rng(0).integers(0, len(tokenizer), batch * steps * seq_len)
    np.save(work / "tokens.npy", ids.astype(np.uint32))
    index_token_stream(work / "tokens.npy", seq_len, tokenizer.eos_token_id or 0,
                       work / "index.npy", work / "mix.json")
    recipe = {"bf16": True, "gradient_checkpointing": True, "per_device_train_batch_size": batch,
              "max_steps": steps, "save_steps": 10_000, "logging_steps": 1,
              "learning_rate": 1e-4}
    train_cpt(str(work / "mix.json"), str(base), str(work / "cpt"), str(work / "ck"), recipe)
    rate = _trained_tokens(work / "cpt")
    flops = training_flops_per_token(config, seq_len, recompute=True) * rate
    nominal, measured = 100 * flops / NOMINAL_BF16_PEAK, 100 * flops / measured_peak
    note = (f"{config['num_hidden_layers']} layers x {config['hidden_size']}, seq {seq_len}, "
            f"batch {batch}, bf16, activation checkpointing; MFU {nominal:.1f} % of the nominal "
            f"989 TFLOP/s, {measured:.1f} % of the measured peak (recompute, attention counted)")
    return [Figure("gpu_1b_cpt_tokens_per_s", rate, "tokens/s", note=note),
            Figure("gpu_1b_cpt_mfu_nominal", nominal, "%", target=(">=", 40.0))]


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
