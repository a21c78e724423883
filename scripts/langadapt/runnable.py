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
