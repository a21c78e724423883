"""Full-parameter SFT and DPO (``<stage>.method: full``; x-LLaMA and Nemotron fine-tuned every
weight): saving the trained model, and the separate frozen reference model of full DPO.

LoRA stages keep the frozen base inside the adapter model (``langadapt.train.lora``); a full
stage has no adapter, so ``adapter/`` holds only ``method.json`` saying so and ``model/`` is the
trained network. Multi-GPU full runs use the stage's DeepSpeed config (ZeRO-3 for 7-8B models,
``envs/deepspeed/zero3.json``).
"""

import json
from pathlib import Path


def save_full_model(trainer, tokenizer, out_dir, stage: str) -> None:
    """Write ``model/`` (every weight trained) and ``adapter/method.json`` (no adapter)."""
    from langadapt.modeling import save_model

    if not trainer.is_world_process_zero():
        return
    out = Path(out_dir)
    model = trainer.accelerator.unwrap_model(trainer.model)
    model.config.use_cache = True
    save_model(model, tokenizer, out / "model")
    (out / "adapter").mkdir(parents=True, exist_ok=True)
    note = {"method": "full", "stage": stage,
            "adapter": None, "model": "../model (all weights trained; no adapter to apply)"}
    (out / "adapter" / "method.json").write_text(json.dumps(note, indent=2) + "\n",
                                                 encoding="utf-8")


def reference_model(model_dir, tokenizer):
    """The frozen DPO reference: a second copy of the initial (SFT) model, in eval mode."""
    from langadapt.modeling import load_model

    reference = load_model(model_dir, tokenizer=tokenizer)
    reference.config.use_cache = False
    reference.eval()
    for parameter in reference.parameters():
        parameter.requires_grad_(False)
    return reference
