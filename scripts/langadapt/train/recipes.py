"""Training recipes: config ``<stage>.recipe`` blocks resolved into trainer arguments.

A recipe is passed to the trainer unchanged (alignment-handbook style). This module only
(1) fills the stage defaults a recipe does not set — chosen for small models on CPU, where trl's
own defaults (activation checkpointing, ``bfd`` packing) are measured to be slower —,
(2) adds the keys the workflow owns (``output_dir`` = the checkpoint directory, ``seed``), and
(3) splits the LoRA keys (``lora_r``, ``lora_alpha``, ``lora_dropout``, ``lora_target_modules``)
off into ``peft.LoraConfig`` arguments. The resolved recipe is written next to the model.
"""

from pathlib import Path

import yaml

from langadapt.errors import config_error

LORA_KEYS = {
    "lora_r": "r",
    "lora_alpha": "lora_alpha",
    "lora_dropout": "lora_dropout",
    "lora_target_modules": "target_modules",
}

# Defaults every stage gets unless its recipe says otherwise.
COMMON_DEFAULTS = {
    # ~25 % slower on CPU; only worth it when memory is short (trl turns it on by default)
    "activation_checkpointing": False,
    "report_to": "none",
    "save_strategy": "steps",
    "save_steps": 50,
    "save_total_limit": 2,  # the last two checkpoints: one may be half-written when a job dies
    "logging_steps": 1,
    "include_num_input_tokens_seen": "non_padding",
    "dataloader_num_workers": 0,
    "disable_tqdm": True,
    "bf16": False,
}
STAGE_DEFAULTS = {
    "cpt": {
        "per_device_train_batch_size": 4,
        "num_train_epochs": 1,
        # packed rows have no padding; "non_padding" would skip the EOS separators when the
        # tokenizer pads with EOS
        "include_num_input_tokens_seen": "all",
    },
    "sft": {
        "packing": False,
        # used only when a recipe turns packing on; bfd is 2.3x slower on CPU
        "packing_strategy": "wrapped",
        "completion_only_loss": True,  # loss on the assistant answer only (see langadapt.train.sft)
        "dataset_num_proc": None,
    },
    "dpo": {"dataset_num_proc": None},
}
# Keys the workflow owns: a recipe that sets them is an error, not silently overridden.
OWNED_KEYS = ("output_dir", "seed", "data_seed", "resume_from_checkpoint", "deepspeed")


def resolve_recipe(stage: str, recipe: dict, seed: int, checkpoint_dir, deepspeed=None) -> dict:
    """Defaults <- ``recipe`` <- workflow-owned keys; returns a new dict (LoRA keys included)."""
    if stage not in STAGE_DEFAULTS:
        raise ValueError(f"unknown stage {stage!r}")
    check_owned_keys(stage, recipe)
    defaults = {**COMMON_DEFAULTS, **STAGE_DEFAULTS[stage]}
    if "gradient_checkpointing" in (recipe or {}):  # the transformers 4 name of the same switch
        defaults.pop("activation_checkpointing")
    resolved = {**defaults, **(recipe or {})}
    resolved.update(output_dir=str(checkpoint_dir), seed=int(seed), data_seed=int(seed))
    if deepspeed:
        resolved["deepspeed"] = str(deepspeed)
    return resolved


def check_owned_keys(stage: str, recipe: dict | None) -> None:
    """A recipe must not set a key the workflow owns (it would be silently overridden)."""
    for key in OWNED_KEYS:
        if key in (recipe or {}):
            raise config_error(
                f"{stage}.recipe.{key}", "is set by the workflow (paths, grid seed); remove it"
            )


def split_lora(resolved: dict) -> tuple[dict, dict]:
    """(LoraConfig kwargs, trainer kwargs) from a resolved recipe."""
    lora = {LORA_KEYS[key]: value for key, value in resolved.items() if key in LORA_KEYS}
    rest = {key: value for key, value in resolved.items() if key not in LORA_KEYS}
    return lora, rest


def lora_config(lora_kwargs: dict, stage: str):
    """A ``peft.LoraConfig`` for a causal LM from the recipe's LoRA keys."""
    from peft import LoraConfig

    if "r" not in lora_kwargs:
        raise config_error(f"{stage}.recipe.lora_r", "LoRA stages need a rank (e.g. lora_r: 8)")
    return LoraConfig(task_type="CAUSAL_LM", **lora_kwargs)


def write_recipe(path, resolved: dict, extra: dict | None = None) -> None:
    """Write the resolved recipe (plus ``extra`` facts such as the data files) as YAML."""
    document = {"recipe": resolved, **(extra or {})}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(document, handle, sort_keys=False, allow_unicode=True)
