"""Recipe keys checked against the trainer argument classes when the config is loaded.

Each stage's ``recipe`` goes to one class: ``cpt`` to transformers ``TrainingArguments``,
``sft`` to trl ``SFTConfig``, ``dpo`` to trl ``DPOConfig``, plus the project's own keys (LoRA,
``method``). Importing transformers and trl costs about 6 s, and Snakemake parses the
Snakefile once per job, so the field names are read from ``recipe_keys.json``, a snapshot of
the installed classes; ``tests/test_recipe_keys.py`` fails when it no longer matches them.
Regenerate it after upgrading transformers or trl:

    PYTHONPATH=scripts python -m langadapt.train.recipe_keys
"""

import json
from functools import cache
from pathlib import Path

from langadapt.errors import config_error
from langadapt.train.recipes import LORA_KEYS, check_owned_keys

SNAPSHOT = Path(__file__).with_name("recipe_keys.json")
STAGE_CLASSES = {"cpt": "TrainingArguments", "sft": "SFTConfig", "dpo": "DPOConfig"}
# Keys the workflow reads itself before the trainer sees the recipe.
PROJECT_KEYS = frozenset(LORA_KEYS) | {"method"}
# Names users bring from older versions or other trainers, and what to write instead.
RENAMED = {
    "warmup_ratio": "transformers 5: use warmup_steps: 0.1 for a ratio",
    "evaluation_strategy": "use eval_strategy",
    "max_seq_length": "use max_length",
}


def live_fields() -> dict[str, list[str]]:
    """Field names of the installed trainer argument classes (imports transformers and trl)."""
    import dataclasses

    import transformers
    import trl
    from transformers import TrainingArguments
    from trl import DPOConfig, SFTConfig

    classes = {"TrainingArguments": TrainingArguments, "SFTConfig": SFTConfig,
               "DPOConfig": DPOConfig}
    fields = {name: sorted(f.name for f in dataclasses.fields(cls) if f.init)
              for name, cls in classes.items()}
    return {"transformers": transformers.__version__, "trl": trl.__version__, **fields}


@cache
def snapshot() -> dict:
    return json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def check_recipe_keys(config: dict) -> None:
    """Raise a config error naming ``<stage>.recipe.<key>`` for a key no trainer takes."""
    known = snapshot()
    for stage, class_name in STAGE_CLASSES.items():
        recipe = (config.get(stage) or {}).get("recipe") or {}
        check_owned_keys(stage, recipe)
        allowed = set(known[class_name]) | PROJECT_KEYS
        for key in recipe:
            if key not in allowed:
                hint = RENAMED.get(key, f"see {class_name} in the {_library(class_name)} docs")
                raise config_error(
                    f"{stage}.recipe.{key}", f"not an argument of {class_name} ({hint})"
                )


def _library(class_name: str) -> str:
    version = "transformers" if class_name == "TrainingArguments" else "trl"
    return f"{version} {snapshot()[version]}"


def main() -> None:
    SNAPSHOT.write_text(json.dumps(live_fields(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {SNAPSHOT}")


if __name__ == "__main__":
    main()
