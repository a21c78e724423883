"""Names the paper comparisons, tables and claims share: arms, markers, metric directions.

An *arm* is a grid cell without its seed (``cpt/ratio=0.8/tokens=8k/synth=50.0``); its seeds
are the checkpoints that differ only in ``seed``. Rows whose checkpoint starts with
``baseline/`` are non-model floors (copying the source, echoing the prompt, MC choosers).
"""

import re

MARKERS = {
    "b": "against the base model",
    "c": "against the English-only CPT control (mixing ratio 0, same tokens)",
    "s": "real + synthetic against real-only CPT (same ratio and tokens)",
    "i": "with against without continual pre-training",
    "h": "human-translated against machine-translated instructions",
    "d": "en→xx (target-side) against xx→en (source-side) translation-task data",
    "t": "cross-lingual instruction tuning against continued pre-training (paper.tuning_vs_cpt)",
}
TABLE_MARKERS = {"stages": "b", "mixing_ratio": "bc", "synthetic": "s", "cpt": "i",
                 "instructions": "hd", "corpus": "", "tuning_vs_cpt": "t"}
# Metrics tested between arms (interval ends such as ``bpc_target_ci_low`` never are).
TESTED_METRICS = ("bpc_target", "bpc_english", "bpc_ood_target", "bpc_ood_english",
                  "chrf++_en-xx", "chrf++_xx-en", "bleu_en-xx", "bleu_xx-en", "mc_acc",
                  "if_target_language_share", "if_chrf")
_SEED = re.compile(r"/seed=[0-9]+")


def arm_of(checkpoint: str) -> str:
    """``cpt/ratio=0.8/tokens=8k/synth=1.0/seed=2`` -> ``cpt/ratio=0.8/tokens=8k/synth=1.0``."""
    return _SEED.sub("", checkpoint)


def better_direction(metric: str) -> int:
    """+1 where a higher value is better, -1 for bits per character."""
    return -1 if metric.startswith("bpc_") else 1
