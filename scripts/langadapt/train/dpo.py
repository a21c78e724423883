"""Preference alignment (DPO): trl ``DPOTrainer`` on the SFT stage (merged in memory), with LoRA
(peft) or every weight (``method: full``).

With a LoRA adapter the reference model is the same network with the adapter disabled, so no
second copy of the weights is loaded; full DPO loads a separate frozen copy
(``langadapt.train.full.reference_model``). Recipe keys ``lora_*`` become the ``LoraConfig``;
everything else (``beta``, ``learning_rate``, ...) goes to ``DPOConfig`` unchanged. Entry point
for multi-process launches: ``python -m langadapt.train.dpo params.json``.
"""

import sys
import time

from langadapt.errors import file_error
from langadapt.textio import read_jsonl
from langadapt.train import recipes
from langadapt.train.common import (
    finish_training,
    make_training_args,
    run_trainer,
    training_dtype,
)
from langadapt.train.full import reference_model, save_full_model
from langadapt.train.lora import save_adapter
from langadapt.train.resume import run_fingerprint


def preference_examples(rows: list[dict], path="preferences") -> list[dict]:
    examples = []
    for number, row in enumerate(rows, 1):
        if not all(row.get(key) for key in ("prompt", "chosen", "rejected")):
            raise file_error(path, "needs prompt, chosen and rejected", number)
        examples.append({key: row[key] for key in ("prompt", "chosen", "rejected")})
    return examples


def train_dpo(
    preferences: str,
    model_dir: str,
    out_dir: str,
    checkpoint_dir: str,
    recipe: dict,
    seed: int = 1,
    deepspeed: str | None = None,
    keep_checkpoints: bool = False,
    method: str = "lora",
) -> dict:
    """DPO-tune ``model_dir`` (an SFT stage, merged in memory) on ``preferences``; ``method`` full
    trains every weight against a separate frozen copy of ``model_dir`` as the reference."""
    import torch
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer

    from langadapt.modeling import load_model, load_tokenizer

    started = time.monotonic()
    resolved = recipes.resolve_recipe("dpo", recipe, seed, checkpoint_dir, deepspeed)
    lora_kwargs, _ = recipes.split_lora(resolved)
    args = make_training_args(resolved, "dpo", DPOConfig)
    dataset = Dataset.from_list(preference_examples(read_jsonl(preferences), preferences))
    tokenizer = load_tokenizer(model_dir)
    torch.manual_seed(seed)
    dtype = training_dtype(args)
    model = load_model(model_dir, dtype=dtype, tokenizer=tokenizer, merge_dtype=dtype)
    model.config.use_cache = False
    full = method == "full"
    trainer = DPOTrainer(
        model=model,
        ref_model=reference_model(model_dir, tokenizer, dtype) if full else None,
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=None if full else recipes.lora_config(lora_kwargs, "dpo"),
    )
    run_trainer(trainer, checkpoint_dir, run_fingerprint(resolved, [preferences, model_dir],
                                                    trainer.args.world_size),
                keep_checkpoints)
    extra = {
        "stage": "dpo",
        "init_model": str(model_dir),
        "preferences": str(preferences),
        "pairs": len(dataset),
        "method": method,
    }
    return finish_training(
        trainer,
        out_dir,
        resolved,
        extra,
        started,
        lambda stage_dir: save_full_model(trainer, tokenizer, stage_dir)
        if full else save_adapter(trainer, tokenizer, stage_dir, model_dir, "dpo"),
        keep_checkpoints=keep_checkpoints,
    )


def main(argv=None) -> None:
    from langadapt.train.launch import run_worker

    run_worker(train_dpo, argv or sys.argv[1:])


if __name__ == "__main__":
    main()
