"""The compute bill of a config before submission: tokens, parameters, FLOPs and GPU-hours.

    python -m langadapt.compute_estimate --configfile configs/llama-eus.yaml \\
        [--mfu 0.4] [--gpu-peak-tflops 989] [--mt-tokens-per-s 2000]

One row per job (every CPT, SFT and DPO grid cell, the machine translation of the synthetic
corpus and of the ``mt`` instruction/preference parts, the evaluation of every checkpoint), a
total, and a suggested SLURM ``runtime`` per GPU rule. Assumptions:

* Parameters N: a table of known model ids, or computed from ``config.json`` dimensions for
  ``base_model.kind: local`` (Llama-style decoder: embeddings, attention with grouped KV
  heads, gated MLP, norms; a separate output matrix unless embeddings are tied).
* Weight FLOPs per token, in forward passes of 2·N: full training 3 (forward 1, backward 2:
  gradients with respect to activations and to weights); LoRA 2 (the frozen base skips the
  weight gradients; adapter FLOPs, <1 % of N at rank 8-64, ignored). Activation checkpointing
  (``recipe.gradient_checkpointing``) recomputes the forward: +1. DPO's frozen reference
  model: +1 (D counts chosen + rejected tokens, 2 sequences per pair).
* Attention (score and value products, not in N): 4·L·T·d per token and forward pass (L
  layers, T the sequence length, d = heads x head dim; no causal discount, as MFU conventions
  count it), times forward 1 + backward 2 (+1 recompute, +1 DPO reference).
* SFT/DPO tokens are an upper bound: every example counted at ``recipe.max_length``; the
  examples are the sum of the set's parts (the cell's ``sft.part_sets`` set of ``sft.parts`` +
  translation_examples; ``dpo.parts``). CPT tokens: ``token_budget`` x ``cpt.epochs``.
* GPU-hours = FLOPs / (MFU x peak FLOP/s) / 3600. Defaults: MFU 0.4 (a good dense
  bf16 run; 0.3 is more typical with ZeRO-3), peak 989 TFLOP/s (H100 SXM dense bf16;
  A100: 312). The FLOPs include the recomputed forward, so ``--mfu`` is the utilisation of
  the FLOPs the GPU executes; an MFU measured the usual way (model FLOPs only, as
  ``bench --gpu`` prints it) under activation checkpointing is that x 3/4 (full training).
* Machine translation (neural backends only): generated target tokens / ``--mt-tokens-per-s``
  (default MT_TOKENS_PER_GPU_S, an assumption: a 600M-1.3B seq2seq model, batched greedy
  decoding in bf16 on one GPU; measure yours). Tokens: synthetic.translation.max_sentences x
  SENTENCE_TOKENS, each ``mt`` SFT part's examples x max_length, each ``mt`` DPO part's pairs
  x 2 x max_length (prompt, chosen and rejected), each translated once.
* Evaluation, per checkpoint (base, reference models, every trained cell): scored tokens (4
  bpc sets of ``bpc_chars`` at CHARS_PER_TOKEN, LM_EVAL_TOKENS_PER_TASK per harness task) at
  2·N FLOPs and the MFU; generated tokens (``translation_sentences`` x 2 directions x
  ``max_new_tokens``) at GENERATION_TOKENS_PER_GPU_S.
* Several ``languages``: each language's cells, MT and evaluations (cells ``<code>/...``); a
  joint SFT cell (``sft.joint``) trains on every language's examples of its cell and is
  evaluated in every language.
* Suggested ``runtime`` of a rule: its longest job's GPU-hours / the stage's GPUs, +20 %, in
  minutes. A rule over the site's time limit still finishes: training resumes from its
  checkpoint on each of the profile's retries.
"""

import argparse
import dataclasses
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from langadapt import grids
from langadapt.config import load_config
from langadapt.errors import config_error, file_error
from langadapt.languages import language_configs

# Total parameters (embeddings included) from the model cards / config.json dimensions.
KNOWN_PARAMETERS = {
    "meta-llama/Llama-3.1-8B": 8_030_261_248,
    "meta-llama/Meta-Llama-3.1-8B": 8_030_261_248,
    "huggyllama/llama-7b": 6_738_415_616,
    "meta-llama/Llama-2-7b-hf": 6_738_415_616,
    "nvidia/Nemotron-Mini-4B-Instruct": 4_190_000_000,  # model card: 4.19B
    "nvidia/Minitron-4B-Base": 4_190_000_000,  # Nemotron-Mini-4B-Base; model card: 4.19B
    "HuggingFaceTB/SmolLM2-135M": 134_515_008,
    "HuggingFaceTB/SmolLM2-135M-Instruct": 134_515_008,
}
# The embedded default ships SmolLM2-135M-Instruct as a GGUF file.
GGUF_PARAMETERS = {"SmolLM2-135M-Instruct": 134_515_008}

# Attention shape (layers, heads x head dim) of the table's models, from their config.json.
KNOWN_ATTENTION = {
    "meta-llama/Llama-3.1-8B": (32, 4096),
    "meta-llama/Meta-Llama-3.1-8B": (32, 4096),
    "huggyllama/llama-7b": (32, 4096),
    "meta-llama/Llama-2-7b-hf": (32, 4096),
    "nvidia/Nemotron-Mini-4B-Instruct": (32, 3072),
    "nvidia/Minitron-4B-Base": (32, 3072),
    "HuggingFaceTB/SmolLM2-135M": (30, 576),
    "HuggingFaceTB/SmolLM2-135M-Instruct": (30, 576),
    "SmolLM2-135M-Instruct": (30, 576),
}

# Forward passes (of 2 FLOPs per parameter and token) per trained token, before recompute.
FORWARD_PASSES = {"full": 3, "lora": 2, "lora_dpo": 3, "full_dpo": 4}
ATTENTION_PASSES = {"full": 3, "lora": 3, "lora_dpo": 4, "full_dpo": 4}
MT_TOKENS_PER_GPU_S = 2000  # assumption: batched greedy seq2seq MT (600M-1.3B) on one GPU
GENERATION_TOKENS_PER_GPU_S = 1000  # assumption: batched greedy decoding of the evaluated model
SENTENCE_TOKENS = 40  # assumption: target tokens of one translated English paragraph/sentence
CHARS_PER_TOKEN = 4.0
BPC_SETS = 4
LM_EVAL_TOKENS_PER_TASK = 2_000_000  # assumption: ~1000 items x 4 choices x ~500 tokens (5-shot)
RUNTIME_MARGIN = 1.2


@dataclass
class Job:
    stage: str
    cell: str
    tokens: int
    parameters: int
    method: str
    seq_len: int = 0
    recompute: bool = False
    gpus: int = 1
    flops: float = 0.0
    gpu_hours: float = 0.0


def parameters_from_model_config(dims: dict) -> int:
    """Parameter count of a Llama-style decoder from its config.json dimensions."""
    hidden, layers = dims["hidden_size"], dims["num_hidden_layers"]
    vocab, intermediate = dims["vocab_size"], dims["intermediate_size"]
    heads = dims["num_attention_heads"]
    kv_heads = dims.get("num_key_value_heads") or heads
    head_dim = dims.get("head_dim") or hidden // heads
    attention = hidden * heads * head_dim * 2 + hidden * kv_heads * head_dim * 2  # q,o + k,v
    if dims.get("attention_bias"):
        attention += heads * head_dim + 2 * kv_heads * head_dim + hidden
    mlp = 3 * hidden * intermediate  # gate, up, down
    norms = 2 * hidden
    embeddings = vocab * hidden
    output = 0 if dims.get("tie_word_embeddings", False) else vocab * hidden
    return embeddings + layers * (attention + mlp + norms) + hidden + output


def base_model_parameters(base_model: dict) -> int:
    kind = base_model["kind"]
    if kind == "local":
        path = Path(base_model["path"]) / "config.json"
        if not path.exists():
            raise file_error(path, "no config.json: cannot count parameters of the local model")
        return parameters_from_model_config(json.loads(path.read_text(encoding="utf-8")))
    if kind == "hub":
        if base_model["id"] in KNOWN_PARAMETERS:
            return KNOWN_PARAMETERS[base_model["id"]]
        raise config_error(
            "base_model.id",
            f"{base_model['id']} is not in the parameter table of langadapt.compute_estimate; "
            "download its config.json and use kind: local, or add it to KNOWN_PARAMETERS",
        )
    stem = base_model["gguf_file"].split(".")[0]
    if stem in GGUF_PARAMETERS:
        return GGUF_PARAMETERS[stem]
    raise config_error("base_model.gguf_file", f"unknown GGUF model {stem}")


def base_model_attention(base_model: dict) -> tuple[int, int]:
    """(layers, heads x head dim) of the base model."""
    if base_model["kind"] == "local":
        dims = json.loads((Path(base_model["path"]) / "config.json").read_text(encoding="utf-8"))
        heads = dims["num_attention_heads"]
        head_dim = dims.get("head_dim") or dims["hidden_size"] // heads
        return dims["num_hidden_layers"], heads * head_dim
    key = base_model["id"] if base_model["kind"] == "hub" else base_model["gguf_file"].split(".")[0]
    if key not in KNOWN_ATTENTION:
        raise config_error("base_model", f"{key}: no attention shape in KNOWN_ATTENTION of "
                           "langadapt.compute_estimate; add its layers and heads x head dim")
    return KNOWN_ATTENTION[key]


def _stage_gpus(section: dict) -> int:
    return max(1, int(section.get("gpus", 1))) * max(1, int(section.get("nodes", 1)))


def training_jobs(config: dict) -> list[Job]:
    """One Job per CPT, SFT and DPO cell of ``config`` (validated), without FLOPs yet."""
    parameters = base_model_parameters(config["base_model"])
    jobs = []
    cpt = config["cpt"]
    cpt_recompute = bool(cpt.get("recipe", {}).get("gradient_checkpointing"))
    for cell in grids.cpt_cells(config):
        tokens = int(grids.parse_token_count(cell["token_budget"]) * cpt.get("epochs", 1))
        jobs.append(Job("cpt", grids.cell_path(cell, grids.CPT_AXES), tokens, parameters, "full",
                        config["mixture"]["seq_len"], cpt_recompute, _stage_gpus(cpt)))
    sft = config["sft"]
    sft_epochs = sft.get("recipe", {}).get("num_train_epochs", 1)
    sft_length = sft.get("recipe", {}).get("max_length", config["mixture"]["seq_len"])
    for cell in grids.sft_cells(config):
        chosen = grids.part_set(config, cell["parts"])
        general = sum(part["examples"] for part in sft["parts"] if part["name"] in chosen)
        examples = general + int(cell["translation_examples"])
        tokens = int(examples * sft_length * sft_epochs)
        jobs.append(Job("sft", grids.sft_cell_path(config, cell), tokens, parameters,
                        sft["method"], sft_length,
                        bool(sft.get("recipe", {}).get("gradient_checkpointing")),
                        _stage_gpus(sft)))
    dpo = config["dpo"]
    dpo_epochs = dpo.get("recipe", {}).get("num_train_epochs", 1)
    dpo_length = dpo.get("recipe", {}).get("max_length", config["mixture"]["seq_len"])
    for cell in grids.dpo_cells(config):
        chosen = grids.part_set(config, cell["preference_parts"], stage="dpo")
        pairs = sum(part["examples"] for part in dpo["parts"] if part["name"] in chosen)
        tokens = int(pairs * 2 * dpo_length * dpo_epochs)
        path = grids.dpo_cell_path(config, cell)
        jobs.append(Job("dpo", path, tokens, parameters, f"{dpo['method']}_dpo", dpo_length,
                        bool(dpo.get("recipe", {}).get("gradient_checkpointing")),
                        _stage_gpus(dpo)))
    return jobs


def _translated_parts(config: dict, stage: str) -> list[dict]:
    """The ``stage`` parts that are machine-translated in some cell (each translated once)."""
    section = config[stage]
    if not section.get("enabled", True):
        return []
    mt_cells = any(cell.get("instructions") == "mt" for cell in
                   (grids.sft_cells(config) if stage == "sft" else grids.dpo_cells(config)))
    return [part for part in section.get("parts", [])
            if part["treatment"] == "mt" or (part["treatment"] == "cell" and mt_cells)]


def mt_jobs(config: dict, mt_tokens_per_s: float) -> list[Job]:
    """Neural machine translation: the synthetic corpus and the ``mt`` SFT/DPO parts."""
    translation = config.get("synthetic", {}).get("translation", {})
    if not translation.get("enabled") or translation.get("backend") == "apertium":
        return []
    rows = [("translate_english", "synthetic",
             translation.get("max_sentences", 0) * SENTENCE_TOKENS)]
    for stage, rule, sequences in (("sft", "instruct_general", 1),
                                   ("dpo", "instruct_preferences", 2)):
        length = config[stage].get("recipe", {}).get("max_length", config["mixture"]["seq_len"])
        rows += [(rule, f"{stage}/{part['name']}", part["examples"] * sequences * length)
                 for part in _translated_parts(config, stage)]
    return [Job(rule, name, int(tokens), 0, "mt", gpu_hours=tokens / mt_tokens_per_s / 3600)
            for rule, name, tokens in rows if tokens]


def eval_jobs(config: dict, trained: list[Job], mfu: float, gpu_peak_tflops: float) -> list[Job]:
    """One Job per evaluated checkpoint: base, reference models, every trained cell."""
    evaluation = config.get("evaluation", {})
    parameters = base_model_parameters(config["base_model"])
    scored = (BPC_SETS * evaluation.get("bpc_chars", 20000) / CHARS_PER_TOKEN
              + len(evaluation.get("lm_eval_tasks", [])) * LM_EVAL_TOKENS_PER_TASK)
    generated = evaluation.get("translation_sentences", 0) * 2 * evaluation.get(
        "max_new_tokens", 64)
    hours = (2 * parameters * scored / (mfu * gpu_peak_tflops * 1e12)
             + generated / GENERATION_TOKENS_PER_GPU_S) / 3600
    names = (["base"] + [f"reference/{model['name']}"
                         for model in evaluation.get("reference_models", [])]
             + [f"{job.stage}/{job.cell}" for job in trained])
    return [Job("eval_checkpoint", name, int(scored + generated), parameters, "eval",
                flops=2 * parameters * (scored + generated), gpu_hours=hours) for name in names]


def training_flops(job: Job, layers: int, attention_width: int) -> float:
    """Weight and attention FLOPs of one training job (passes as in the module docstring)."""
    recompute = 1 if job.recompute else 0
    weights = 2 * job.parameters * (FORWARD_PASSES[job.method] + recompute)
    attention = 4 * layers * job.seq_len * attention_width * (ATTENTION_PASSES[job.method]
                                                              + recompute)
    return float((weights + attention) * job.tokens)


def joint_jobs(configs: dict[str, dict]) -> list[Job]:
    """The joint SFT cells (``sft.joint``) of a config with several languages: one job a cell on
    the sum of every language's examples for it."""
    first = next(iter(configs.values()))
    paths = {grids.sft_cell_path(first, cell) for cell in grids.joint_cells(first)}
    jobs: dict[str, Job] = {}
    for one in configs.values():
        for job in training_jobs(one):
            if job.stage == "sft" and job.cell in paths:
                if job.cell in jobs:
                    jobs[job.cell].tokens += job.tokens
                else:
                    jobs[job.cell] = dataclasses.replace(job, cell=f"joint/{job.cell}")
    return list(jobs.values())


def _priced(jobs: list[Job], config: dict, mfu: float, gpu_peak_tflops: float) -> list[Job]:
    layers, width = base_model_attention(config["base_model"])
    for job in jobs:
        job.flops = training_flops(job, layers, width)
        job.gpu_hours = job.flops / (mfu * gpu_peak_tflops * 1e12) / 3600
    return jobs


def estimate(config: dict, mfu: float = 0.4, gpu_peak_tflops: float = 989.0,
             mt_tokens_per_s: float = MT_TOKENS_PER_GPU_S) -> list[Job]:
    """Every job of ``config`` (validated); with several ``languages`` each language's jobs
    (cells named ``<code>/<cell>``), the joint SFT cells, and their evaluation in every
    language."""
    if not 0 < mfu <= 1:
        raise ValueError(f"--mfu {mfu}: must be in (0, 1]")
    if mt_tokens_per_s <= 0:
        raise ValueError(f"--mt-tokens-per-s {mt_tokens_per_s}: must be positive")
    def language_jobs(one: dict, joint: list[Job]) -> list[Job]:
        """Training, MT and evaluation of one language (its own cells and ``joint``)."""
        trained = _priced(training_jobs(one), one, mfu, gpu_peak_tflops)
        return (trained + mt_jobs(one, mt_tokens_per_s)
                + eval_jobs(one, trained + joint, mfu, gpu_peak_tflops))

    if not config.get("languages"):
        return language_jobs(config, [])
    configs = language_configs(config)
    joint = _priced(joint_jobs(configs), config, mfu, gpu_peak_tflops)
    jobs = []
    for code, one in configs.items():
        jobs += [dataclasses.replace(job, cell=f"{code}/{job.cell}")
                 for job in language_jobs(one, joint)]
    return jobs + joint


def suggested_runtimes(jobs: list[Job]) -> dict[str, int]:
    """Minutes of SLURM ``runtime`` per rule (a job's ``stage``): its longest job on its GPUs,
    +20 %."""
    longest = {}
    for job in jobs:
        longest[job.stage] = max(longest.get(job.stage, 0.0), job.gpu_hours / job.gpus)
    return {stage: math.ceil(hours * 60 * RUNTIME_MARGIN) for stage, hours in longest.items()}


def format_report(jobs: list[Job], mfu: float, gpu_peak_tflops: float) -> str:
    lines = [
        f"{'rule':20} {'cell':42} {'tokens':>10} {'params':>9} {'FLOPs':>9} {'GPU-h':>9} "
        f"{'GPUs':>4} {'wall-h':>7}",
    ]
    for job in jobs:
        lines.append(
            f"{job.stage:20} {job.cell:42} {job.tokens:>10.3g} {job.parameters:>9.3g} "
            f"{job.flops:>9.3g} {job.gpu_hours:>9.1f} {job.gpus:>4} "
            f"{job.gpu_hours / job.gpus:>7.1f}"
        )
    total_flops = sum(job.flops for job in jobs)
    total_hours = sum(job.gpu_hours for job in jobs)
    lines.append(f"{'total':20} {f'{len(jobs)} jobs':42} {'':>10} {'':>9} {total_flops:>9.3g} "
                 f"{total_hours:>9.1f}")
    lines.append(
        "FLOPs: 2N per token and pass (full 3, LoRA 2, +1 activation recompute, +1 DPO "
        "reference) + attention 4·L·T·d per pass; MT and generation at assumed tokens/s; "
        f"GPU-hours at MFU {mfu} of {gpu_peak_tflops:g} TFLOP/s peak."
    )
    runtimes = suggested_runtimes(jobs)
    lines.append("suggested runtime (minutes, longest job on its GPUs + 20 %; "
                 "profiles/slurm set-resources): "
                 + ", ".join(f"{rule}: {minutes}" for rule, minutes in runtimes.items()))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m langadapt.compute_estimate",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--configfile", required=True, help="config YAML")
    parser.add_argument("--mfu", type=float, default=0.4, help="model FLOP utilisation (0-1)")
    parser.add_argument("--gpu-peak-tflops", type=float, default=989.0,
                        help="peak dense bf16 TFLOP/s per GPU (H100 SXM 989, A100 312)")
    parser.add_argument("--mt-tokens-per-s", type=float, default=MT_TOKENS_PER_GPU_S,
                        help="generated target tokens per GPU-second of neural MT (assumed)")
    args = parser.parse_args(argv)
    config = load_config(args.configfile)
    jobs = estimate(config, args.mfu, args.gpu_peak_tflops, args.mt_tokens_per_s)
    print(format_report(jobs, args.mfu, args.gpu_peak_tflops))
    return 0


if __name__ == "__main__":
    sys.exit(main())
