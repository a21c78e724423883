"""Plan-time checks that a job can run, so `snakemake -n` stops instead of a job hours in.

Called from input functions (rules/common.smk) while Snakemake builds the plan, so they judge
only the jobs a run actually needs: a data-only target with translation off is fine, the
machine-translated instruction arm with translation off is refused.
"""

from langadapt.errors import config_error

WHY = "needs machine translation, but synthetic.translation.enabled is false"


def check_instruction_translation(config: dict, stage: str, arm: str | None = None) -> None:
    """Refuse an instruction (``sft``) or preference (``dpo``) set that needs MT when it is off."""
    if config["synthetic"]["translation"]["enabled"]:
        return
    dataset_key = {"sft": "general_dataset", "dpo": "preference_dataset"}[stage]
    if config[stage].get(dataset_key):
        raise config_error(
            f"{stage}.{dataset_key}", f"an English dataset {WHY} (remove it, or enable a backend)"
        )
    if arm == "mt":
        grids = [("sft", config["sft"]["grid"]), ("dpo", config["dpo"]["grid"])]
        key = next(
            f"{name}.grid[{index}].instructions"
            for name, grid in grids
            for index, entry in enumerate(grid)
            if "mt" in entry.get("instructions", [])
        )
        raise config_error(key, f"the 'mt' arm {WHY} (use 'human', or enable a backend)")


def leave_out_mt_arms(config: dict) -> str | None:
    """With ``synthetic.translation.enabled: false``, take the grid cells that need MT out of
    the config in place and return the one-line notice to print (None when nothing changed).

    Left out: SFT/DPO cells with ``instructions: mt``, and CPT cells with a synthetic weight
    above 0 when no synthetic corpus exists (they would train on the real-only mixture again):
    a grid entry with no real-only weight keeps its real-only twin (``synthetic_weight: 0.0``),
    and an ``sft.cpt_cell`` among those moves to it.
    Where every SFT arm needs MT nothing changes: a run that plans SFT stops, naming the key.
    """
    from langadapt.corpora import corpus_plan

    if config["synthetic"]["translation"]["enabled"]:
        return None
    dropped = []
    for stage in ("sft", "dpo"):
        kept = []
        for entry in config[stage]["grid"]:
            arms = [arm for arm in entry["instructions"] if arm != "mt"]
            if arms != entry["instructions"]:
                dropped.append(f"{stage} instructions 'mt'")
            if arms:
                kept.append({**entry, "instructions": arms})
        if stage == "sft" and not kept:  # the plan-time check names the key if SFT is planned
            return None
        config[stage]["grid"] = kept
    plan = corpus_plan(config, config["language"]["code"])
    if not any(spec["kind"] == "synthetic" for spec in plan.values()):
        kept = []
        for entry in config["cpt"]["grid"]:
            weights = [weight for weight in entry["synthetic_weight"] if float(weight) == 0]
            if weights != entry["synthetic_weight"]:
                dropped.append("cpt synthetic_weight > 0")
            kept.append({**entry, "synthetic_weight": weights or [0.0]})
        config["cpt"]["grid"] = kept
        if float(config["sft"]["cpt_cell"]["synthetic_weight"]) > 0:
            config["sft"]["cpt_cell"] = {**config["sft"]["cpt_cell"], "synthetic_weight": 0.0}
            dropped.append("sft.cpt_cell synthetic_weight -> 0.0")
    if not dropped:
        return None
    return ("note: synthetic.translation.enabled is false, so the arms that need machine "
            f"translation leave the grids: {', '.join(dict.fromkeys(dropped))} (README: Root)")
