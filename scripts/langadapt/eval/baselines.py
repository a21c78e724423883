"""Trivial baselines as pseudo-checkpoints (rule ``eval_baselines``): every model number's floor.

Each baseline is written as ``<out_dir>/<name>/metrics.json`` with the schema of a checkpoint's
``metrics.json`` (``langadapt.eval.suites.merge_metrics``) and the same metric names, so that
``metrics.csv`` holds them as checkpoints ``baseline/<name>`` (stage ``baseline``):

- ``copy_source``: the source sentence given unchanged as the translation, both directions,
  BLEU / chrF++ / target-language share, on the held-out and the out-of-domain pairs,
- ``echo_prompt``: the instruction prompt given back as the response (``if_*`` metrics),
- ``mc_<chooser>``: every non-model chooser of the multiple-choice task (``mc_acc`` with its
  Wilson 95 % interval).

A baseline that cannot be computed (a pair without its English side, no instructions) is left
out, never written as 0.
"""

from pathlib import Path

from sacrebleu.metrics import CHRF

from langadapt.eval.instruction_following import language_share
from langadapt.eval.multiple_choice import chooser_accuracies
from langadapt.eval.translation import (
    DIRECTIONS,
    direction_sides,
    score,
    target_code,
    translation_metrics,
)
from langadapt.textio import read_jsonl, write_json

STAGE = "baseline"


def copy_source(pairs: list[dict], lang: str) -> dict | None:
    """Translation result (``evaluate_translation`` shape, without hypotheses) of copying the
    source; None when a pair lacks a side (nothing to copy or to score against)."""
    if not pairs or any(not pair.get("en") or not pair.get("target") for pair in pairs):
        return None
    directions = {}
    for direction in DIRECTIONS:
        sources, references = direction_sides(pairs, direction)
        directions[direction] = {
            "scores": score(sources, references), "sentences": len(pairs),
            "target_language_share": language_share(sources, target_code(direction, lang))}
    return {"directions": directions}


def echo_prompt(items: list[dict], lang: str) -> dict | None:
    """``if_target_language_share`` and ``if_chrf`` of giving each prompt back as its answer."""
    if not items:
        return None
    prompts = [item["prompt"] for item in items]
    chrf = CHRF().corpus_score(prompts, [[item["reference"] for item in items]])
    return {"if_target_language_share": language_share(prompts, lang)["share"],
            "if_chrf": float(chrf.score)}


def mc_metrics(result: dict) -> dict:
    out = {"mc_acc": result["acc"]}
    if result.get("ci95"):
        out["mc_acc_ci_low"], out["mc_acc_ci_high"] = result["ci95"]
    return out


def baseline_metrics(pairs: list[dict], lang: str, ood_pairs: list[dict] | None = None,
                     instructions: list[dict] | None = None,
                     choices: list[dict] | None = None) -> dict[str, dict]:
    """``{baseline name: {metric: value}}`` of every baseline the inputs allow."""
    out = {}
    translation = {}
    copied = copy_source(pairs, lang)
    if copied:
        translation.update(translation_metrics(copied))
    copied_ood = copy_source(ood_pairs or [], lang)
    if copied_ood:
        translation.update(translation_metrics(copied_ood, "ood_"))
    if translation:
        out["copy_source"] = translation
    echoed = echo_prompt(instructions or [], lang)
    if echoed:
        out["echo_prompt"] = echoed
    if choices:
        for chooser, result in chooser_accuracies(choices).items():
            out[f"mc_{chooser}"] = mc_metrics(result)
    return out


def write_baselines(out_dir, lang: str, pairs_path, ood_pairs_path=None,
                    instructions_path=None, choices_path=None) -> list[Path]:
    """``<out_dir>/<name>/metrics.json`` for every baseline; returns the files written."""
    sources = {"translation": pairs_path, "translation_ood": ood_pairs_path,
               "instructions": instructions_path, "multiple_choice": choices_path}
    sources = {name: str(path) for name, path in sources.items() if path}
    computed = baseline_metrics(
        read_jsonl(pairs_path), lang,
        read_jsonl(ood_pairs_path) if ood_pairs_path else None,
        read_jsonl(instructions_path) if instructions_path else None,
        read_jsonl(choices_path) if choices_path else None)
    written = []
    for name, metrics in computed.items():
        path = Path(out_dir) / name / "metrics.json"
        write_json(path, {"checkpoint": f"{STAGE}/{name}", "lang": lang, "metrics": metrics,
                          "seconds": {}, "sources": sources})
        written.append(path)
    return written


def baseline_metrics_files(out_dir) -> list[Path]:
    """The baselines' ``metrics.json`` files in ``out_dir`` (the rule's directory output)."""
    return sorted(Path(out_dir).glob("*/metrics.json"))
