"""The disclosure every generated table and claims file carries (rules paper_tables,
paper_claims): base model provenance, decoding dtypes, seeds per arm, and the demo-scale
caveat where ``paper.demo_scale`` is set."""

import re

from langadapt import grids


def base_model_text(base: dict) -> str:
    """``SmolLM2-135M-Instruct (instruction-tuned), dequantised from its Q4_1 GGUF ...``."""
    if base.get("kind") == "gguf_package":
        match = re.match(r"(?P<name>.+?)\.(?P<quant>[A-Za-z0-9_]+)\.gguf$", base["gguf_file"])
        name, quant = (match["name"], match["quant"]) if match else (base["gguf_file"], "?")
        tuned = " (instruction-tuned)" if "instruct" in name.lower() else ""
        return (f"{name}{tuned}, dequantised from its {quant} GGUF (package {base['package']}); "
                "any training partly repairs the quantisation damage, so gains over the base "
                "include that recovery")
    return str(base.get("id") or base.get("path") or base.get("kind"))


def seeds_per_arm(cells: list[dict]) -> str:
    """``1-3`` style range of the seed counts of the arms of ``cells``."""
    counts: dict = {}
    for cell in cells:
        key = tuple(sorted((k, v) for k, v in cell.items() if k != "seed"))
        counts[key] = counts.get(key, 0) + 1
    if not counts:
        return "none"
    low, high = min(counts.values()), max(counts.values())
    return str(low) if low == high else f"{low}-{high}"


def disclosure_text(config: dict) -> str:
    evaluation = config["evaluation"]
    parts = [f"Base model: {base_model_text(config['base_model'])}.",
             f"Decoding (translation, instructions) in {evaluation['dtype']}, multiple choice in "
             f"{evaluation['multiple_choice_dtype']}, bits per character in float32.",
             "Seeds per arm: CPT " + seeds_per_arm(grids.cpt_cells(config))
             + ", SFT " + seeds_per_arm(grids.sft_cells(config))
             + ", DPO " + seeds_per_arm(grids.dpo_cells(config)) + "."]
    if config["paper"].get("demo_scale"):
        parts.insert(0, "**Demo scale, not findings**: this run is sized to finish in minutes "
                        "on a CPU; its numbers exercise the pipeline and decide nothing about "
                        "the papers.")
    return " ".join(parts)
