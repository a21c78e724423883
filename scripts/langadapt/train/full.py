"""Full-parameter SFT and DPO (``<stage>.method: full``; x-LLaMA and Nemotron fine-tuned every
weight): saving the trained model, and the separate frozen reference model of full DPO.

A LoRA stage's ``model/`` is an adapter + a pointer to its base (``langadapt.train.lora``); a
full stage's ``model/`` is the trained network itself (``langadapt.modeling.load_model`` tells
them apart). Multi-GPU full runs use the stage's DeepSpeed config (ZeRO-3 for 7-8B models,
``envs/deepspeed/zero3.json``).
"""

from pathlib import Path


def save_full_model(trainer, tokenizer, model_dir) -> None:
    """Write ``model_dir``: every weight trained, as safetensors, with the tokenizer.

    Under DeepSpeed every rank takes part: the trainer gathers ZeRO-3's partitions
    (``stage3_gather_16bit_weights_on_model_save``) and rank 0 writes whole tensors.
    """
    from langadapt.modeling import save_model

    model = trainer.accelerator.unwrap_model(trainer.model)
    model.config.use_cache = True
    if trainer.is_deepspeed_enabled:
        trainer.save_model(str(model_dir))
        if trainer.is_world_process_zero():
            tokenizer.save_pretrained(model_dir)
            (Path(model_dir) / "training_args.bin").unlink(missing_ok=True)  # a pickle
    elif trainer.is_world_process_zero():
        save_model(model, tokenizer, model_dir)


def reference_model(model_dir, tokenizer, dtype=None):
    """The frozen DPO reference: a second copy of the initial (SFT) model, in eval mode."""
    from langadapt.modeling import load_model

    reference = load_model(model_dir, dtype=dtype, tokenizer=tokenizer, merge_dtype=dtype)
    reference.config.use_cache = False
    reference.eval()
    for parameter in reference.parameters():
        parameter.requires_grad_(False)
    return reference
