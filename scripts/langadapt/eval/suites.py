"""One entry point per evaluation rule: load the checkpoint, run a suite, write its JSON.

Each suite JSON holds the raw results and ``seconds`` (wall time of the suite without model
loading); ``merge_metrics`` flattens the suites of a checkpoint into ``metrics.json``.
"""

import time

from langadapt.textio import read_json, read_jsonl, write_json


def load_checkpoint(model_dir, threads: int = 1):
    import torch

    from langadapt.modeling import load_model, load_tokenizer

    torch.set_num_threads(max(1, threads))
    tokenizer = load_tokenizer(model_dir)
    model = load_model(model_dir, dtype="float32", tokenizer=tokenizer)
    model.eval()
    return model, tokenizer


def _finish(result: dict, started: float, checkpoint: str, model_dir, out_path) -> dict:
    result = {"checkpoint": checkpoint, "model_dir": str(model_dir),
              "seconds": round(time.perf_counter() - started, 2), **result}
    write_json(out_path, result)
    return result


def run_bpc(model_dir, checkpoint: str, bpc_path, out_path, window: int = 256,
            batch_size: int = 8, threads: int = 1) -> dict:
    from langadapt.eval.bpc import evaluate_bpc

    model, tokenizer = load_checkpoint(model_dir, threads)
    started = time.perf_counter()
    texts = read_json(bpc_path)
    texts = {"target": texts["target"], "english": texts["english"]}
    result = evaluate_bpc(model, tokenizer, texts, window=window, batch_size=batch_size)
    return _finish({"bpc": result}, started, checkpoint, model_dir, out_path)


def run_translation(model_dir, checkpoint: str, pairs_path, out_path, language_name: str,
                    max_new_tokens: int = 64, batch_size: int = 8, baseline_path=None,
                    resamples: int = 1000, threads: int = 1) -> dict:
    from langadapt.eval.translation import evaluate_translation

    model, tokenizer = load_checkpoint(model_dir, threads)
    started = time.perf_counter()
    baseline = read_json(baseline_path) if baseline_path else None
    result = evaluate_translation(model, tokenizer, read_jsonl(pairs_path), language_name,
                                  max_new_tokens, batch_size, baseline, resamples)
    return _finish(result, started, checkpoint, model_dir, out_path)


def run_lm_eval(model_dir, checkpoint: str, task_dir, task: str, out_path,
                extra_tasks: list[str] = (), batch_size: int = 8, threads: int = 1) -> dict:
    import torch

    from langadapt.eval.lm_eval_tasks import run_lm_eval as harness

    torch.set_num_threads(max(1, threads))
    started = time.perf_counter()
    result = harness(model_dir, task_dir, [task], batch_size=batch_size, extra_tasks=extra_tasks)
    result["multiple_choice_task"] = task
    return _finish(result, started, checkpoint, model_dir, out_path)


def run_instructions(model_dir, checkpoint: str, instructions_path, out_path, sheet_path,
                     lang: str, max_new_tokens: int = 64, batch_size: int = 8,
                     threads: int = 1) -> dict:
    from langadapt.eval.instruction_following import evaluate_instructions, write_manual_sheet

    model, tokenizer = load_checkpoint(model_dir, threads)
    started = time.perf_counter()
    items = read_jsonl(instructions_path)
    result = evaluate_instructions(model, tokenizer, items, lang, max_new_tokens, batch_size)
    write_manual_sheet(sheet_path, items, [r["response"] for r in result["responses"]])
    return _finish(result, started, checkpoint, model_dir, out_path)


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
    if "instructions" in suites:
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
