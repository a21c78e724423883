"""Continual pre-training (CPT): full-parameter causal-LM training on a mixture index.

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

import numpy as np
import torch

from langadapt.errors import file_error
from langadapt.mixture import MixtureIndex
from langadapt.train import recipes
from langadapt.train.common import (
    finish_training,
    make_training_args,
    run_trainer,
    training_dtype,
)
from langadapt.train.resume import run_fingerprint


class PackedRows(torch.utils.data.Dataset):
    """Rows of an int ``[n_sequences, seq_len]`` array as causal-LM examples (the dev sets)."""

    def __init__(self, rows):
        self.rows = rows

    def __len__(self):
        return self.rows.shape[0]

    def __getitem__(self, index):
        ids = torch.from_numpy(np.asarray(self.rows[index], dtype=np.int64))
        return {"input_ids": ids, "labels": ids.clone()}


class MixtureDataset(torch.utils.data.Dataset):
    """Sequences of a mixture cell (``mix.json`` + ``index.npy``) as causal-LM examples.

    Each sequence is read on demand from the memory-mapped token files; the Trainer's seeded
    sampler and its checkpointed position make a resumed run continue at its data position.
    """

    def __init__(self, mix_json):
        self.index = MixtureIndex(mix_json)
        self.path = self.index.path
        if not len(self.index):
            raise file_error(self.path, "the mixture has no sequences")

    def __len__(self):
        return len(self.index)

    def __getitem__(self, number):
        ids = torch.from_numpy(self.index.sequence(number))
        return {"input_ids": ids, "labels": ids.clone()}


def dev_sets(dev, tokenizer, seq_len: int, sequences: int) -> dict[str, PackedRows]:
    """The held-out dev split packed like the mixture: ``{"target": ..., "english": ...}``,
    each the first ``sequences`` rows of its side's lines joined with EOS."""
    from langadapt.textio import read_jsonl

    records = read_jsonl(dev)
    sets = {}
    for name, field in (("target", "target"), ("english", "en")):
        ids = []
        for record in records:
            ids += tokenizer(record[field], add_special_tokens=False)["input_ids"]
            ids.append(tokenizer.eos_token_id)
            if len(ids) >= seq_len * sequences:
                break
        rows = len(ids) // seq_len
        if rows == 0:
            raise file_error(dev, f"the {field!r} side holds fewer than {seq_len} tokens")
        sets[name] = PackedRows(np.asarray(ids[: rows * seq_len]).reshape(rows, seq_len))
    return sets


def check_vocab(dataset: MixtureDataset, vocab_size: int) -> None:
    top = dataset.index.max_token_id
    if top >= vocab_size:
        raise file_error(
            dataset.path,
            f"token id {top} is outside the model's vocabulary ({vocab_size}); "
            "the mixture was tokenised with a different tokenizer",
        )


def train_cpt(
    mixture: str,
    base_model: str,
    out_dir: str,
    checkpoint_dir: str,
    recipe: dict,
    seed: int = 1,
    epochs: float = 1,
    deepspeed: str | None = None,
    keep_checkpoints: bool = False,
    dev: str | None = None,
    eval_sequences: int = 16,
) -> dict:
    """Train ``base_model`` on ``mixture`` (a ``mix.json``); write ``model/``, ``train_log.csv``,
    ``recipe.yaml``.

    With ``dev`` (the held-out split) and an eval cadence in the recipe, the loss on its
    target and English side is logged and written to ``eval_log.csv``.
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
    dataset = MixtureDataset(mixture)
    tokenizer = load_tokenizer(base_model)
    torch.manual_seed(seed)
    model = load_model(base_model, dtype=training_dtype(args))
    check_vocab(dataset, model.get_input_embeddings().num_embeddings)
    model.config.use_cache = False
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=dataset,
        eval_dataset=(dev_sets(dev, tokenizer, dataset.index.seq_len, eval_sequences)
                      if dev and args.eval_strategy != "no" else None),
        data_collator=default_data_collator,
        processing_class=tokenizer,
    )
    inputs = [mixture, dataset.index.index_path, base_model]
    run_trainer(trainer, checkpoint_dir, run_fingerprint(resolved, inputs, args.world_size),
                keep_checkpoints)
    extra = {
        "stage": "cpt",
        "base_model": str(base_model),
        "mixture": str(mixture),
        "sequences": len(dataset),
        "seq_len": dataset.index.seq_len,
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
