"""Training stages: continual pre-training (cpt), LoRA instruction tuning (sft), DPO (dpo).

Each stage module has a ``train_<stage>(...)`` function and a ``python -m`` entry point that
reads the same arguments from a JSON file (for ``accelerate launch``); ``launch.launch`` picks
the in-process or multi-process path.
"""
