"""Saving LoRA stages: the adapter and the merged model, both as safetensors."""

from pathlib import Path


def save_adapter_and_merged(trainer, tokenizer, out_dir) -> None:
    """Write ``adapter/`` (peft) and ``model/`` (adapter merged into the base weights)."""
    from langadapt.modeling import save_model

    if not trainer.is_world_process_zero():
        return
    out = Path(out_dir)
    model = trainer.accelerator.unwrap_model(trainer.model)
    model.save_pretrained(out / "adapter", safe_serialization=True)
    tokenizer.save_pretrained(out / "adapter")
    merged = model.merge_and_unload()
    merged.config.use_cache = True
    save_model(merged, tokenizer, out / "model")
