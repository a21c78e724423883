"""Evaluate one checkpoint: load it once, run its stage's suites, write one JSON per suite.

The suites a checkpoint runs are the suite outputs its rule declares (``evaluation.suites``
per stage, ``langadapt.eval.plan``). Each suite JSON holds the raw results and ``seconds``
(wall time of the suite without model loading); ``merge_metrics`` flattens the suites of a
checkpoint into ``metrics.json``. One process per checkpoint: importing torch + transformers +
lm-eval and loading the model cost more than a suite itself at 135M parameters.
"""

import time
from pathlib import Path

from langadapt import modeling
from langadapt.eval.translation import translation_metrics
from langadapt.progress import progress
from langadapt.textio import read_json, read_jsonl, write_json

SUITES = ("bpc", "translation", "lm_eval", "instructions")


def load_checkpoint(model_dir, threads: int = 1, dtype: str = "float32"):
    """Model (on ``modeling.model_device()``, eval mode) and tokenizer; torch uses ``threads``."""
    from langadapt.modeling import load_tokenizer, set_cpu_threads

    set_cpu_threads(threads)
    tokenizer = load_tokenizer(model_dir)
    model = modeling.load_inference_model(model_dir, dtype=dtype, tokenizer=tokenizer)
    return model, tokenizer


def run_bpc(model, tokenizer, bpc_path, window: int = 256, batch_size: int = 8,
            resamples: int = 1000) -> dict:
    """Bits per character of every set in ``bpc.json`` (float32 weights only)."""
    from langadapt.eval.bpc import evaluate_bpc

    sets = read_json(bpc_path)["sets"]
    return {"bpc": evaluate_bpc(model, tokenizer, sets, window, batch_size, resamples)}


def run_translation(model, tokenizer, pairs_path, language_name: str, lang: str,
                    max_new_tokens: int = 64, batch_size: int = 8, spbleu: dict | None = None,
                    comet_model=None, ood_pairs_path=None) -> dict:
    """Both directions on the held-out pairs, and under ``out_of_domain`` on the
    out-of-domain pairs (``ood_pairs_path``, rule ``eval_translation_ood``) when given."""
    from langadapt.eval.translation import evaluate_translation

    comet = None
    if comet_model:
        from langadapt.eval.comet import load_comet

        comet = load_comet(comet_model)
    return evaluate_translation(model, tokenizer, read_jsonl(pairs_path), language_name, lang,
                                max_new_tokens, batch_size, spbleu, comet,
                                read_jsonl(ood_pairs_path) if ood_pairs_path else None)


def run_lm_eval(model, tokenizer, task_path, task: str, extra_tasks: list = (),
                batch_size: int = 8, include_paths: list[str] = ()) -> dict:
    """Harness results, per-item correctness and, for the offline task, the accuracy's Wilson
    interval (the non-model choosers are the ``eval_baselines`` rule's)."""
    from langadapt.eval.lm_eval_tasks import run_lm_eval as harness
    from langadapt.eval.multiple_choice import accuracy

    result = harness(model, tokenizer, Path(task_path).parent, [task], batch_size=batch_size,
                     extra_tasks=extra_tasks, include_paths=include_paths)
    result["multiple_choice_task"] = task
    items = result.get("items", {}).get(task)
    if items:
        result["accuracy"] = accuracy([item["acc"] for item in items])
    return result


def run_instructions(model, tokenizer, instructions_path, sheet_path, lang: str,
                     max_new_tokens: int = 64, batch_size: int = 8) -> dict:
    from langadapt.eval.instruction_following import evaluate_instructions, write_manual_sheet

    items = read_jsonl(instructions_path)
    result = evaluate_instructions(model, tokenizer, items, lang, max_new_tokens, batch_size)
    write_manual_sheet(sheet_path, items, [r["response"] for r in result["responses"]])
    return result


def suite_order(dtypes: dict[str, str]) -> list[str]:
    """Suites from the widest dtype to the narrowest (stable otherwise): casting float32 weights
    down equals loading them in that dtype, but a cast back up does not restore them."""
    import torch

    return sorted(dtypes, key=lambda name: -getattr(torch, dtypes[name]).itemsize)


def evaluate_checkpoint(model_dir, checkpoint: str, lang: str, inputs: dict, outputs: dict,
                        params: dict, threads: int = 1) -> dict:
    """Run the suites named in ``outputs`` on ``model_dir``; ``inputs``/``outputs`` are the
    rule's named files (suite outputs: any of ``SUITES``).

    ``params``: language_name, window, max_new_tokens, resamples, task, extra_tasks,
    batch_size (multiple choice), generation_batch_size (default batch_size), bpc_batch_size
    (windows; default batch_size),
    dtype (generation), multiple_choice_dtype. The weights load once, in float32:
    bits per character is scored first from them, then the model is cast to
    ``multiple_choice_dtype`` for the harness and to ``dtype`` for generation.
    """
    import torch

    model, tokenizer = load_checkpoint(model_dir, threads, "float32")
    batch = params["batch_size"]
    generation_batch = params.get("generation_batch_size", batch)
    suites = {
        "bpc": lambda: run_bpc(model, tokenizer, inputs["bpc_text"], params["window"],
                               params.get("bpc_batch_size", batch), params["resamples"]),
        "lm_eval": lambda: run_lm_eval(model, tokenizer, inputs["task"], params["task"],
                                       params["extra_tasks"], batch,
                                       params.get("include_paths", ())),
        "translation": lambda: run_translation(
            model, tokenizer, inputs["pairs"], params["language_name"], lang,
            params["max_new_tokens"], generation_batch, params.get("spbleu"),
            params.get("comet_model"), inputs.get("pairs_ood")),
        "instructions": lambda: run_instructions(
            model, tokenizer, inputs["instructions"], outputs["sheet"], lang,
            params["max_new_tokens"], generation_batch),
    }
    dtypes = {"bpc": "float32", "lm_eval": params.get("multiple_choice_dtype", params["dtype"]),
              "translation": params["dtype"], "instructions": params["dtype"]}
    dtypes = {name: dtype for name, dtype in dtypes.items() if name in outputs}
    for name in progress(suite_order(dtypes), f"evaluate {checkpoint}", unit="suites"):
        model.to(getattr(torch, dtypes[name]))
        run = suites[name]
        started, cpu_started = time.perf_counter(), time.process_time()
        result = run()
        seconds = round(time.perf_counter() - started, 2)
        cpu_seconds = round(time.process_time() - cpu_started, 2)  # all threads of the job
        write_json(outputs[name], {"checkpoint": checkpoint, "model_dir": str(model_dir),
                                   "seconds": seconds, "cpu_seconds": cpu_seconds,
                                   "dtype": dtypes[name], "threads": threads,
                                   "device": str(modeling.model_device()), **result})
    return merge_metrics({name: outputs[name] for name in SUITES if name in outputs},
                         checkpoint, lang, outputs["metrics"])


def flat_metrics(suites: dict) -> dict:
    """``{metric name: value}`` from the suite results (names as in results/paper/metrics.csv)."""
    out = {}
    if "bpc" in suites:
        for side, values in suites["bpc"]["bpc"].items():
            out[f"bpc_{side}"] = values["bits_per_char"]
            if values.get("ci95"):
                out[f"bpc_{side}_ci_low"], out[f"bpc_{side}_ci_high"] = values["ci95"]
    if "translation" in suites:
        out.update(translation_metrics(suites["translation"]))
        if "out_of_domain" in suites["translation"]:
            out.update(translation_metrics(suites["translation"]["out_of_domain"], "ood_"))
    if "lm_eval" in suites:
        task = suites["lm_eval"]["multiple_choice_task"]
        for name, metrics in suites["lm_eval"]["tasks"].items():
            prefix = "mc" if name == task else f"lm_eval/{name}"
            for metric, value in metrics.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    out[f"{prefix}_{metric}"] = value
        if suites["lm_eval"].get("accuracy", {}).get("ci95"):
            out["mc_acc_ci_low"], out["mc_acc_ci_high"] = suites["lm_eval"]["accuracy"]["ci95"]
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
