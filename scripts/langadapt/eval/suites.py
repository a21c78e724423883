"""Evaluate one checkpoint: load it once, run every suite, write one JSON per suite.

Each suite JSON holds the raw results and ``seconds`` (wall time of the suite without model
loading); ``merge_metrics`` flattens the suites of a checkpoint into ``metrics.json``. One
process per checkpoint: importing torch + transformers + lm-eval and loading the model cost
more than a suite itself at 135M parameters.
"""

import time
from pathlib import Path

from langadapt.textio import read_json, read_jsonl, write_json

SUITES = ("bpc", "translation", "lm_eval", "instructions")


def load_checkpoint(model_dir, threads: int = 1, dtype: str = "float32"):
    import torch

    from langadapt.modeling import load_model, load_tokenizer

    torch.set_num_threads(max(1, threads))
    tokenizer = load_tokenizer(model_dir)
    model = load_model(model_dir, dtype=dtype, tokenizer=tokenizer)
    model.eval()
    return model, tokenizer


def run_bpc(model, tokenizer, bpc_path, window: int = 256, batch_size: int = 8) -> dict:
    from langadapt.eval.bpc import evaluate_bpc

    texts = read_json(bpc_path)
    texts = {"target": texts["target"], "english": texts["english"]}
    return {"bpc": evaluate_bpc(model, tokenizer, texts, window=window, batch_size=batch_size)}


def run_translation(model, tokenizer, pairs_path, language_name: str, max_new_tokens: int = 64,
                    batch_size: int = 8, baseline_path=None, resamples: int = 1000,
                    spbleu: dict | None = None, comet_model=None) -> dict:
    from langadapt.eval.translation import evaluate_translation

    baseline = read_json(baseline_path) if baseline_path else None
    comet = None
    if comet_model:
        from langadapt.eval.comet import load_comet

        comet = load_comet(comet_model)
    return evaluate_translation(model, tokenizer, read_jsonl(pairs_path), language_name,
                                max_new_tokens, batch_size, baseline, resamples, spbleu, comet)


def run_lm_eval(model, tokenizer, task_path, task: str, extra_tasks: list = (),
                batch_size: int = 8, include_paths: list[str] = ()) -> dict:
    from langadapt.eval.lm_eval_tasks import run_lm_eval as harness

    result = harness(model, tokenizer, Path(task_path).parent, [task], batch_size=batch_size,
                     extra_tasks=extra_tasks, include_paths=include_paths)
    result["multiple_choice_task"] = task
    return result


def run_instructions(model, tokenizer, instructions_path, sheet_path, lang: str,
                     max_new_tokens: int = 64, batch_size: int = 8) -> dict:
    from langadapt.eval.instruction_following import evaluate_instructions, write_manual_sheet

    items = read_jsonl(instructions_path)
    result = evaluate_instructions(model, tokenizer, items, lang, max_new_tokens, batch_size)
    write_manual_sheet(sheet_path, items, [r["response"] for r in result["responses"]])
    return result


def evaluate_checkpoint(model_dir, checkpoint: str, lang: str, inputs: dict, outputs: dict,
                        params: dict, threads: int = 1) -> dict:
    """Run every suite on ``model_dir``; ``inputs``/``outputs`` are the rule's named files.

    ``params``: language_name, window, max_new_tokens, resamples, task, extra_tasks,
    batch_size, dtype.
    """
    model, tokenizer = load_checkpoint(model_dir, threads, params["dtype"])
    batch = params["batch_size"]
    suites = {
        "bpc": lambda: run_bpc(model, tokenizer, inputs["bpc_text"], params["window"], batch),
        "translation": lambda: run_translation(
            model, tokenizer, inputs["pairs"], params["language_name"],
            params["max_new_tokens"], batch, inputs.get("base") or None, params["resamples"],
            params.get("spbleu"), params.get("comet_model")),
        "lm_eval": lambda: run_lm_eval(model, tokenizer, inputs["task"], params["task"],
                                       params["extra_tasks"], batch,
                                       params.get("include_paths", ())),
        "instructions": lambda: run_instructions(
            model, tokenizer, inputs["instructions"], outputs["sheet"], lang,
            params["max_new_tokens"], batch),
    }
    for name, run in suites.items():
        started = time.perf_counter()
        result = run()
        seconds = round(time.perf_counter() - started, 2)
        write_json(outputs[name], {"checkpoint": checkpoint, "model_dir": str(model_dir),
                                   "seconds": seconds, **result})
    return merge_metrics({name: outputs[name] for name in SUITES}, checkpoint, lang,
                         outputs["metrics"])


def flat_metrics(suites: dict) -> dict:
    """``{metric name: value}`` from the suite results (names as in results/paper/metrics.csv)."""
    out = {}
    if "bpc" in suites:
        for side, values in suites["bpc"]["bpc"].items():
            out[f"bpc_{side}"] = values["bits_per_char"]
    if "translation" in suites:
        for direction, entry in suites["translation"]["directions"].items():
            for name, value in entry["scores"].items():
                out[f"{name}_{direction}"] = value["score"]
            for name, test in entry.get("vs_base", {}).items():
                out[f"{name}_{direction}_delta_vs_base"] = test["difference"]
                out[f"{name}_{direction}_p_vs_base"] = test["p_value"]
    if "lm_eval" in suites:
        task = suites["lm_eval"]["multiple_choice_task"]
        for name, metrics in suites["lm_eval"]["tasks"].items():
            prefix = "mc" if name == task else f"lm_eval/{name}"
            for metric, value in metrics.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    out[f"{prefix}_{metric}"] = value
    if suites.get("instructions", {}).get("prompts"):
        result = suites["instructions"]
        out["if_target_language_share"] = result["target_language_share"]["share"]
        out["if_chrf"] = result["chrf"]["score"]
    return out


def merge_metrics(suite_paths: dict, checkpoint: str, lang: str, out_path) -> dict:
    """Write ``metrics.json``: flat metrics, seconds per suite and where each number came from."""
    suites = {name: read_json(path) for name, path in suite_paths.items()}
    merged = {
        "checkpoint": checkpoint,
        "lang": lang,
        "metrics": flat_metrics(suites),
        "seconds": {name: suite.get("seconds") for name, suite in suites.items()},
        "sources": {name: str(path) for name, path in suite_paths.items()},
    }
    write_json(out_path, merged)
    return merged
