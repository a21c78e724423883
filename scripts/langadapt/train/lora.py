"""Saving LoRA stages: the adapter, the tokenizer and a pointer to the weights it sits on.

No merged copy is written (a 135M model is 540 MB per cell; an 8B one 16 GB): evaluation and
the next stage call ``langadapt.modeling.load_model`` on the stage directory, which loads the
base (or CPT, or SFT) weights named by the pointer and merges the adapter in memory. A merged
export is the explicit ``export_merged`` target (rules/sft.smk).
"""

import shutil
import tempfile
from pathlib import Path


def save_adapter(trainer, tokenizer, model_dir, base_dir, stage: str) -> None:
    """Write ``model_dir`` = adapter (safetensors) + tokenizer + ``base_model.json`` pointer.

    Written to a staging directory and renamed, so a killed job never leaves a half-written
    stage directory that looks complete.
    """
    from langadapt.modeling import write_adapter_pointer

    model_dir = Path(model_dir)
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    if trainer.is_deepspeed_enabled:  # every rank takes part in gathering sharded weights
        trainer.save_model(str(model_dir))
        if not trainer.is_world_process_zero():
            return
        tokenizer.save_pretrained(model_dir)
        write_adapter_pointer(model_dir, base_dir, stage)
        (model_dir / "training_args.bin").unlink(missing_ok=True)  # a pickle, not needed
        return
    if not trainer.is_world_process_zero():
        return
    staging = Path(tempfile.mkdtemp(prefix=f".{model_dir.name}.", dir=model_dir.parent))
    model = trainer.accelerator.unwrap_model(trainer.model)
    model.save_pretrained(staging, safe_serialization=True)
    tokenizer.save_pretrained(staging)
    write_adapter_pointer(staging, base_dir, stage)
    staging.chmod(0o755)
    if model_dir.exists():
        shutil.rmtree(model_dir)
    staging.rename(model_dir)
