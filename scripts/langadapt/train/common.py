"""What the three training stages share: trainer arguments, resume, and the output files."""

import logging
import sys
import time
from pathlib import Path

from langadapt.errors import config_error
from langadapt.progress import training_callback
from langadapt.train import recipes
from langadapt.train.logs import (
    DropPickledArguments,
    ElapsedCallback,
    SkipFinalCheckpoint,
    write_eval_log,
    write_train_log,
)
from langadapt.train.resume import (
    check_deepspeed_world_size,
    checkpoint_step,
    discard_stale_checkpoints,
    latest_complete_checkpoint,
    remove_checkpoints,
)

log = logging.getLogger("langadapt.train")


def make_training_args(resolved: dict, stage: str, cls=None):
    """``cls`` (TrainingArguments, SFTConfig, DPOConfig) from a resolved recipe minus LoRA keys.

    A key the trainer does not know is a config error naming ``<stage>.recipe.<key>``.
    """
    import dataclasses

    import torch

    if cls is None:
        from transformers import TrainingArguments as cls
    _, kwargs = recipes.split_lora(resolved)
    known = {field.name for field in dataclasses.fields(cls)}
    unknown = sorted(set(kwargs) - known)
    if unknown:
        hint = (
            " (transformers 5: use warmup_steps: 0.1 for a ratio)"
            if "warmup_ratio" in unknown
            else ""
        )
        raise config_error(
            f"{stage}.recipe.{unknown[0]}", f"not an argument of {cls.__name__}{hint}"
        )
    if not torch.cuda.is_available():
        kwargs.setdefault("use_cpu", True)
    args = cls(**kwargs)
    import_deepspeed_only_if_used(bool(args.deepspeed))
    if args.deepspeed:
        # join the process group now: ZeRO-3 partitions the weights while they load, and
        # DeepSpeed sizes its batch with the world size it sees at that moment
        args.device  # noqa: B018
        import deepspeed
        import torch.distributed as dist

        if dist.is_initialized():  # on CPU accelerate leaves DeepSpeed's comm layer unset
            deepspeed.init_distributed(dist_backend=dist.get_backend())
    return args


def training_dtype(args):
    """The dtype to load weights in: bf16 under DeepSpeed with ``bf16`` (DeepSpeed trains the
    module in bf16 and keeps fp32 master weights in its optimizer, so an fp32 load would only
    double the host memory of every rank); else None (fp32: the Trainer's bf16 is autocast
    over fp32 weights)."""
    import torch

    return torch.bfloat16 if args.deepspeed and args.bf16 else None


def import_deepspeed_only_if_used(used: bool) -> None:
    """Keeps accelerate from importing DeepSpeed (2 s a job) in a run that does not use it.

    accelerate imports DeepSpeed to recognise a ``DeepSpeedEngine`` whenever the package is
    installed (``extract_model_from_parallel``, called as the trainer starts and saves); a
    run without DeepSpeed has no engine to recognise.
    """
    from accelerate.utils import imports, other

    other.is_deepspeed_available = imports.is_deepspeed_available if used else lambda: False


def run_trainer(trainer, checkpoint_dir, fingerprint: dict | None = None,
                keep_checkpoints: bool = False) -> None:
    """Train, resuming from the latest complete checkpoint in ``checkpoint_dir`` if any.

    Checkpoints whose ``fingerprint`` (resolved recipe, inputs) differs are discarded first.
    Unless ``keep_checkpoints``, the last step is not checkpointed (``finish_training`` saves
    the model and deletes the checkpoints).
    """
    import torch.distributed as dist

    trainer.add_callback(ElapsedCallback())
    trainer.add_callback(training_callback())  # step/total, tokens/s, ETA every ~30 s
    trainer.add_callback(DropPickledArguments())
    if not keep_checkpoints:
        trainer.add_callback(SkipFinalCheckpoint())
    backend = dist.get_backend() if dist.is_available() and dist.is_initialized() else "none"
    print(
        f"processes: {trainer.args.world_size}, distributed backend: {backend}, "
        f"deepspeed: {trainer.is_deepspeed_enabled}",
        file=sys.stderr,
        flush=True,
    )
    world_size = trainer.args.world_size
    if fingerprint is not None and trainer.is_world_process_zero():
        if trainer.is_deepspeed_enabled:  # before run.json is rewritten
            check_deepspeed_world_size(checkpoint_dir, fingerprint, world_size)
        if discard_stale_checkpoints(checkpoint_dir, fingerprint, world_size):
            print("discarded checkpoints of a different recipe or inputs", file=sys.stderr)
    if world_size > 1:
        trainer.accelerator.wait_for_everyone()
    latest = latest_complete_checkpoint(checkpoint_dir, clean=trainer.is_world_process_zero())
    if latest is not None:
        print(
            f"resuming from {latest} (step {checkpoint_step(latest)})", file=sys.stderr, flush=True
        )
    trainer.train(resume_from_checkpoint=str(latest) if latest else None)


def finish_training(
    trainer, out_dir, resolved: dict, extra: dict, started: float, save, keep_checkpoints=False
) -> dict:
    """Save the model with ``save(model_dir)`` and write ``train_log.csv`` and ``recipe.yaml``.

    Then, unless ``keep_checkpoints``, delete the run's checkpoints: the finished model is the
    rule's output, and a 135M-parameter checkpoint with optimizer state is about 1.6 GB.
    """
    out = Path(out_dir)
    summary = {}
    if trainer.is_world_process_zero():
        out.mkdir(parents=True, exist_ok=True)
        rows = write_train_log(trainer.state.log_history, out / "train_log.csv")
        write_eval_log(trainer.state.log_history, out / "eval_log.csv")
        summary = summarise(rows, trainer.state.global_step, time.monotonic() - started)
        recipes.write_recipe(out / "recipe.yaml", resolved, {**extra})
    save(out / "model")
    if not keep_checkpoints and trainer.is_world_process_zero():
        remove_checkpoints(resolved["output_dir"])
    if summary:
        print(f"{extra.get('stage')}: {summary}", file=sys.stderr, flush=True)
    return summary


def summarise(rows: list[dict], steps: int, wall_s: float) -> dict:
    if not rows:
        return {"steps": steps, "wall_s": round(wall_s, 1)}
    tokens = rows[-1]["tokens_seen"] or 0
    elapsed = rows[-1]["elapsed_s"] or 0
    return {
        "steps": steps,
        "loss_start": rows[0]["loss"],
        "loss_end": rows[-1]["loss"],
        "tokens_seen": tokens,
        "train_s": elapsed,
        "tokens_per_s": round(tokens / elapsed, 1) if elapsed else None,
        "wall_s": round(wall_s, 1),
    }
