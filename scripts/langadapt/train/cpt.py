"""Continual pre-training (CPT): full-parameter causal-LM training on a packed mixture.

Uses the Hugging Face ``Trainer`` rather than a hand-written accelerate loop because it gives,
for free and tested upstream, what this stage must guarantee: checkpoints that restore model,
optimizer, scheduler, RNG states and the position in the seeded data order
(``resume_from_checkpoint``), bf16 autocast on CPU, and the DeepSpeed/multi-process path under
``accelerate launch`` — and SFT and DPO (trl) run on the same Trainer, so all three stages share
one resume and logging code path. Measured here, the Trainer is as fast as a plain loop.

Entry point for multi-process launches: ``python -m langadapt.train.cpt params.json``.
"""

import sys
import time
from pathlib import Path

import numpy as np
import torch

from langadapt.errors import file_error
from langadapt.train import recipes
from langadapt.train.common import (
    finish_training,
    make_training_args,
    run_trainer,
    training_dtype,
)
from langadapt.train.resume import run_fingerprint


class PackedDataset(torch.utils.data.Dataset):
    """Rows of ``packed.npy`` (int32 ``[n_sequences, seq_len]``) as causal-LM examples."""

    def __init__(self, path):
        self.path = Path(path)
        try:
            self.rows = np.load(self.path, mmap_mode="r")
        except (OSError, ValueError) as error:
            raise file_error(self.path, f"cannot read packed token ids: {error}") from error
        if self.rows.ndim != 2 or self.rows.shape[0] == 0:
            raise file_error(
                self.path, f"expected a non-empty [n, seq_len] array, got {self.rows.shape}"
            )

    def __len__(self):
        return self.rows.shape[0]

    def __getitem__(self, index):
        ids = torch.from_numpy(np.asarray(self.rows[index], dtype=np.int64))
        return {"input_ids": ids, "labels": ids.clone()}


def check_vocab(dataset: PackedDataset, vocab_size: int) -> None:
    top = int(np.max(dataset.rows))
    if top >= vocab_size:
        raise file_error(
            dataset.path,
            f"token id {top} is outside the model's vocabulary ({vocab_size}); "
            "the mixture was tokenised with a different tokenizer",
        )


def train_cpt(
    packed: str,
    base_model: str,
    out_dir: str,
    checkpoint_dir: str,
    recipe: dict,
    seed: int = 1,
    epochs: float = 1,
    deepspeed: str | None = None,
    keep_checkpoints: bool = False,
) -> dict:
    """Train ``base_model`` on ``packed``; write ``model/``, ``train_log.csv``, ``recipe.yaml``.

    Resumes from the latest complete checkpoint in ``checkpoint_dir``. Returns a summary
    (steps, first/last loss, tokens/s).
    """
    from transformers import Trainer, default_data_collator

    from langadapt.modeling import load_model, load_tokenizer

    started = time.monotonic()
    recipe = dict(recipe or {})
    recipe.setdefault("num_train_epochs", epochs)
    resolved = recipes.resolve_recipe("cpt", recipe, seed, checkpoint_dir, deepspeed)
    args = make_training_args(resolved, "cpt")
    dataset = PackedDataset(packed)
    tokenizer = load_tokenizer(base_model)
    torch.manual_seed(seed)
    model = load_model(base_model, dtype=training_dtype(args))
    check_vocab(dataset, model.get_input_embeddings().num_embeddings)
    model.config.use_cache = False
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=dataset,
        data_collator=default_data_collator,
        processing_class=tokenizer,
    )
    run_trainer(trainer, checkpoint_dir, run_fingerprint(resolved, [packed, base_model]),
                keep_checkpoints)
    extra = {
        "stage": "cpt",
        "base_model": str(base_model),
        "packed": str(packed),
        "sequences": len(dataset),
        "seq_len": int(dataset.rows.shape[1]),
    }
    return finish_training(
        trainer,
        out_dir,
        resolved,
        extra,
        started,
        lambda path: save_full(trainer, tokenizer, path),
        keep_checkpoints=keep_checkpoints,
    )


def save_full(trainer, tokenizer, model_dir) -> None:
    """Safetensors model + tokenizer; under DeepSpeed the trainer gathers the shards first."""
    from langadapt.modeling import save_model

    if trainer.is_deepspeed_enabled:
        trainer.save_model(str(model_dir))
        if trainer.is_world_process_zero():
            tokenizer.save_pretrained(model_dir)
    elif trainer.is_world_process_zero():
        save_model(trainer.model, tokenizer, model_dir)


def main(argv=None) -> None:
    from langadapt.train.launch import run_worker

    run_worker(train_cpt, argv or sys.argv[1:])


if __name__ == "__main__":
    main()
