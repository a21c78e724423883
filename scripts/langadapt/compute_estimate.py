"""The compute bill of a config before submission: tokens, parameters, FLOPs and GPU-hours.

    python -m langadapt.compute_estimate --configfile configs/llama-eus.yaml \\
        [--mfu 0.4] [--gpu-peak-tflops 989]

One row per training job (every CPT, SFT and DPO grid cell) and a total. Assumptions:

* Parameters N: a table of known model ids, or computed from ``config.json`` dimensions for
  ``base_model.kind: local`` (Llama-style decoder: embeddings, attention with grouped KV
  heads, gated MLP, norms; a separate output matrix unless embeddings are tied).
* Full training (CPT, and SFT/DPO with ``method: full``): 6·N·D FLOPs — forward 2·N·D,
  backward 4·N·D (gradients with respect to activations and to weights, 2·N·D each).
* LoRA (SFT, DPO with ``method: lora``): the base is frozen, so the weight-gradient half of
  the backward pass is skipped but activation gradients still flow through every layer to
  reach the adapters:
  2·N·D forward + 2·N·D backward = 4·N·D (adapter FLOPs, <1 % of N at rank 8-64, ignored).
  Activation checkpointing (on by default in trl) recomputes the forward: not counted.
* DPO: D counts chosen + rejected tokens (2 sequences per pair); the frozen reference model
  adds one forward pass, 2·N·D: 6·N·D with LoRA, 8·N·D full (6·N·D policy + 2·N·D reference,
  a separate copy of the weights).
* SFT/DPO tokens are an upper bound: every example counted at ``recipe.max_length``; the
  examples are the sum of the set's parts (the cell's ``sft.part_sets`` set of ``sft.parts`` +
  translation_examples; ``dpo.parts``).
* CPT tokens: ``token_budget`` x ``cpt.epochs``.
* GPU-hours = FLOPs / (MFU x peak FLOP/s) / 3600. Defaults: MFU 0.4 (a good dense
  bf16 run; 0.3 is more typical with ZeRO-3), peak 989 TFLOP/s (H100 SXM dense bf16;
  A100: 312).
"""

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from langadapt import grids
from langadapt.config import load_config
from langadapt.errors import config_error, file_error

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

FLOPS_PER_TOKEN_PARAM = {"full": 6, "lora": 4, "lora_dpo": 6, "full_dpo": 8}


@dataclass
class Job:
    stage: str
    cell: str
    tokens: int
    parameters: int
    method: str
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


def training_jobs(config: dict) -> list[Job]:
    """One Job per CPT, SFT and DPO cell of ``config`` (validated), without FLOPs yet."""
    parameters = base_model_parameters(config["base_model"])
    jobs = []
    for cell in grids.cpt_cells(config):
        tokens = int(grids.parse_token_count(cell["token_budget"]) * config["cpt"].get("epochs", 1))
        jobs.append(Job("cpt", grids.cell_path(cell, grids.CPT_AXES), tokens, parameters, "full"))
    sft = config["sft"]
    sft_epochs = sft.get("recipe", {}).get("num_train_epochs", 1)
    sft_length = sft.get("recipe", {}).get("max_length", config["mixture"]["seq_len"])
    for cell in grids.sft_cells(config):
        chosen = grids.part_set(config, cell["parts"])
        general = sum(part["examples"] for part in sft["parts"] if part["name"] in chosen)
        examples = general + int(cell["translation_examples"])
        tokens = int(examples * sft_length * sft_epochs)
        jobs.append(Job("sft", grids.sft_cell_path(config, cell), tokens, parameters,
                        sft["method"]))
    dpo = config["dpo"]
    dpo_epochs = dpo.get("recipe", {}).get("num_train_epochs", 1)
    dpo_length = dpo.get("recipe", {}).get("max_length", config["mixture"]["seq_len"])
    for cell in grids.dpo_cells(config):
        chosen = grids.part_set(config, cell["preference_parts"], stage="dpo")
        pairs = sum(part["examples"] for part in dpo["parts"] if part["name"] in chosen)
        tokens = int(pairs * 2 * dpo_length * dpo_epochs)
        path = grids.dpo_cell_path(config, cell)
        jobs.append(Job("dpo", path, tokens, parameters, f"{dpo['method']}_dpo"))
    return jobs


def estimate(config: dict, mfu: float = 0.4, gpu_peak_tflops: float = 989.0) -> list[Job]:
    if not 0 < mfu <= 1:
        raise ValueError(f"--mfu {mfu}: must be in (0, 1]")
    jobs = training_jobs(config)
    for job in jobs:
        job.flops = FLOPS_PER_TOKEN_PARAM[job.method] * job.parameters * job.tokens
        job.gpu_hours = job.flops / (mfu * gpu_peak_tflops * 1e12) / 3600
    return jobs


def format_report(jobs: list[Job], mfu: float, gpu_peak_tflops: float) -> str:
    lines = [
        f"{'stage':5} {'cell':42} {'tokens':>10} {'params':>9} {'FLOPs':>9} {'GPU-h':>9}",
    ]
    for job in jobs:
        lines.append(
            f"{job.stage:5} {job.cell:42} {job.tokens:>10.3g} {job.parameters:>9.3g} "
            f"{job.flops:>9.3g} {job.gpu_hours:>9.1f}"
        )
    total_flops = sum(job.flops for job in jobs)
    total_hours = sum(job.gpu_hours for job in jobs)
    lines.append(f"{'total':5} {f'{len(jobs)} jobs':42} {'':>10} {'':>9} {total_flops:>9.3g} "
                 f"{total_hours:>9.1f}")
    lines.append(
        f"FLOPs: 6ND full (CPT, full SFT), 4ND LoRA SFT, 6ND LoRA DPO, 8ND full DPO "
        f"(policy + reference); "
        f"GPU-hours at MFU {mfu} of {gpu_peak_tflops:g} TFLOP/s peak."
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m langadapt.compute_estimate",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--configfile", required=True, help="config YAML")
    parser.add_argument("--mfu", type=float, default=0.4, help="model FLOP utilisation (0-1)")
    parser.add_argument("--gpu-peak-tflops", type=float, default=989.0,
                        help="peak dense bf16 TFLOP/s per GPU (H100 SXM 989, A100 312)")
    args = parser.parse_args(argv)
    config = load_config(args.configfile)
    jobs = estimate(config, args.mfu, args.gpu_peak_tflops)
    print(format_report(jobs, args.mfu, args.gpu_peak_tflops))
    return 0


if __name__ == "__main__":
    sys.exit(main())
