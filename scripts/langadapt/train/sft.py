"""Instruction tuning (SFT): trl ``SFTTrainer`` with LoRA (peft), or every weight with
``method: full`` (``langadapt.train.full``).

Loss on assistant tokens only. trl's ``assistant_only_loss`` needs a chat template with
``{% generation %}`` markers, which neither SmolLM2's nor the fallback ChatML template has, so
each chat example is split into a conversational *prompt* (every turn before the last) and
*completion* (the last, assistant turn) and trained with ``completion_only_loss``: trl renders
both with the model's own chat template and masks every prompt token (``labels = -100``).
``tests/test_train_sft.py`` checks the mask on the tokenised data.

Recipe keys ``lora_*`` become the ``LoraConfig``; everything else goes to ``SFTConfig``
unchanged. Entry point for multi-process launches: ``python -m langadapt.train.sft params.json``.
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
from langadapt.train.full import save_full_model
from langadapt.train.lora import save_adapter
from langadapt.train.resume import run_fingerprint


def prompt_completion(rows: list[dict], path="instructions") -> list[dict]:
    """Chat ``messages`` -> ``{"prompt": turns[:-1], "completion": [last assistant turn]}``."""
    examples = []
    for number, row in enumerate(rows, 1):
        messages = row.get("messages") or []
        if len(messages) < 2 or messages[-1].get("role") != "assistant":
            raise file_error(path, "needs chat messages ending with an assistant turn", number)
        examples.append({"prompt": messages[:-1], "completion": messages[-1:]})
    return examples


def build_sft_trainer(instructions, model_dir, checkpoint_dir, recipe, seed, deepspeed=None,
                      method="lora"):
    """(trainer, tokenizer, resolved recipe) for ``instructions`` on ``model_dir``."""
    import torch
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    from langadapt.modeling import load_model, load_tokenizer

    resolved = recipes.resolve_recipe("sft", recipe, seed, checkpoint_dir, deepspeed)
    lora_kwargs, _ = recipes.split_lora(resolved)
    args = make_training_args(resolved, "sft", SFTConfig)
    dataset = Dataset.from_list(prompt_completion(read_jsonl(instructions), instructions))
    tokenizer = load_tokenizer(model_dir)
    torch.manual_seed(seed)
    dtype = training_dtype(args)
    model = load_model(model_dir, dtype=dtype, tokenizer=tokenizer, merge_dtype=dtype)
    model.config.use_cache = False
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=recipes.lora_config(lora_kwargs, "sft") if method == "lora" else None,
    )
    return trainer, tokenizer, resolved


def train_sft(
    instructions: str,
    model_dir: str,
    out_dir: str,
    checkpoint_dir: str,
    recipe: dict,
    seed: int = 1,
    deepspeed: str | None = None,
    keep_checkpoints: bool = False,
    method: str = "lora",
) -> dict:
    """Tune ``model_dir`` on chat ``instructions`` (``method`` lora: model/ = adapter + pointer
    to ``model_dir``; full: model/ = every weight); logs."""
    started = time.monotonic()
    trainer, tokenizer, resolved = build_sft_trainer(
        instructions, model_dir, checkpoint_dir, recipe, seed, deepspeed, method
    )
    run_trainer(trainer, checkpoint_dir, run_fingerprint(resolved, [instructions, model_dir],
                                                    trainer.args.world_size),
                keep_checkpoints)
    extra = {
        "stage": "sft",
        "init_model": str(model_dir),
        "instructions": str(instructions),
        "examples": len(trainer.train_dataset),
        "method": method,
    }
    return finish_training(
        trainer,
        out_dir,
        resolved,
        extra,
        started,
        lambda stage_dir: save_adapter(trainer, tokenizer, stage_dir, model_dir, "sft")
        if method == "lora" else save_full_model(trainer, tokenizer, stage_dir),
        keep_checkpoints=keep_checkpoints,
    )


def main(argv=None) -> None:
    from langadapt.train.launch import run_worker

    run_worker(train_sft, argv or sys.argv[1:])


if __name__ == "__main__":
    main()
