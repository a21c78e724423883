"""Full-parameter SFT and DPO (``<stage>.method: full``; x-LLaMA and Nemotron fine-tuned every
weight): saving the trained model, and the separate frozen reference model of full DPO.

A LoRA stage's ``model/`` is an adapter + a pointer to its base (``langadapt.train.lora``); a
full stage's ``model/`` is the trained network itself (``langadapt.modeling.load_model`` tells
them apart). Multi-GPU full runs use the stage's DeepSpeed config (ZeRO-3 for 7-8B models,
``envs/deepspeed/zero3.json``).
"""


def save_full_model(trainer, tokenizer, model_dir) -> None:
    """Write ``model_dir``: every weight trained, as safetensors, with the tokenizer."""
    from langadapt.modeling import save_model

    if not trainer.is_world_process_zero():
        return
    model = trainer.accelerator.unwrap_model(trainer.model)
    model.config.use_cache = True
    save_model(model, tokenizer, model_dir)


def reference_model(model_dir, tokenizer):
    """The frozen DPO reference: a second copy of the initial (SFT) model, in eval mode."""
    from langadapt.modeling import load_model

    reference = load_model(model_dir, tokenizer=tokenizer)
    reference.config.use_cache = False
    reference.eval()
    for parameter in reference.parameters():
        parameter.requires_grad_(False)
    return reference
