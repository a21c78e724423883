"""Multiple-choice NLU through lm-evaluation-harness used as a library (rule ``eval_checkpoint``).

The offline default ships one task YAML over local JSONL (pick the correct translation among
four); paper configs add standard harness tasks by name (``evaluation.lm_eval_tasks``), which
need their datasets on the hub or in the local cache, each with the paper's few-shot count
(``{name, num_fewshot}``), and directories of their own task YAMLs
(``evaluation.lm_eval_include_paths``: hand-translated Basque sets, Indic tasks).
Log-likelihoods come from the harness.
"""

import os
from pathlib import Path

import yaml


def multiple_choice_task_name(lang: str) -> str:
    return f"langadapt_translation_choice_{lang}"


def multiple_choice_template(language_name: str) -> str:
    """The task's ``doc_to_text``: the harness scores each choice after this context."""
    return "English: {{en}}\n" + f"{language_name}:"


def multiple_choice_context(english: str, language_name: str) -> str:
    """``multiple_choice_template`` rendered for one item."""
    return multiple_choice_template(language_name).replace("{{en}}", english)


def write_multiple_choice_task(path, task: str, items_path, language_name: str) -> None:
    """A harness task over ``items_path`` (absolute: relative data_files resolve against the
    working directory of whoever runs the harness)."""
    config = {
        "task": task,
        "dataset_path": "json",
        "dataset_kwargs": {"data_files": {"test": str(items_path)}},
        "test_split": "test",
        "output_type": "multiple_choice",
        "doc_to_text": multiple_choice_template(language_name),
        "doc_to_choice": "choices",
        "doc_to_target": "answer",
        "metric_list": [
            {"metric": "acc", "aggregation": "mean", "higher_is_better": True},
            {"metric": "acc_norm", "aggregation": "mean", "higher_is_better": True},
        ],
        # version 2: distractors are the answer with words swapped (1: other help sentences)
        "metadata": {"version": 2.0,
                     "description": "Belebele-like: pick the correct translation among four"},
    }
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle, allow_unicode=True, sort_keys=False)


def _plain(value):
    """JSON-safe copy of harness results (drops numpy scalars and non-serialisable objects)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def per_item(samples: dict) -> dict:
    """``{task: [{"doc_id", "id", "chosen", "acc", "acc_norm"}]}`` of multiple-choice tasks, for
    paired comparisons between checkpoints (``id`` is the item's own id when it has one)."""
    out = {}
    for task, rows in samples.items():
        items = []
        for row in rows:
            scores = [float(resp[0]) for resp in row.get("filtered_resps", [])
                      if isinstance(resp, list | tuple) and resp]
            if "acc" not in row or not scores:
                continue
            items.append({"doc_id": row["doc_id"], "id": str(row["doc"].get("id", row["doc_id"])),
                          "chosen": max(range(len(scores)), key=scores.__getitem__),
                          "acc": _plain(row["acc"]), "acc_norm": _plain(row.get("acc_norm"))})
        if items:
            out[task] = sorted(items, key=lambda item: item["doc_id"])
    return out


def task_specs(extra_tasks) -> list[tuple[str, int | None]]:
    """``evaluation.lm_eval_tasks`` entries (a name or ``{name, num_fewshot}``) as pairs."""
    specs = []
    for entry in extra_tasks or ():
        if isinstance(entry, str):
            specs.append((entry, None))
        else:
            specs.append((entry["name"], entry.get("num_fewshot")))
    return specs


def task_manager(task_dir, include_paths=(), names=()):
    """A harness TaskManager over ``task_dir`` and ``include_paths``; the built-in tasks are
    indexed (seconds) only when a requested name is not in those directories."""
    from lm_eval.tasks import TaskManager

    paths = [str(task_dir)] + [str(Path(path).resolve()) for path in include_paths]
    for path in paths[1:]:
        if not Path(path).is_dir():
            from langadapt.errors import config_error

            raise config_error("evaluation.lm_eval_include_paths", f"{path}: not a directory")
    manager = TaskManager(include_path=paths, include_defaults=False)
    if any(name not in manager.all_tasks for name in names):
        manager = TaskManager(include_path=paths, include_defaults=True)
    return manager


def requested_tasks(manager, tasks, extra_tasks) -> list:
    """Task names, and Task objects with the configured few-shot count set on them (the
    harness's ``num_fewshot`` argument is one number for all tasks)."""
    requested = list(tasks)
    for name, shots in task_specs(extra_tasks):
        if shots is None:
            requested.append(name)
            continue
        for task in manager.load([name])["tasks"].values():
            task.set_config(key="num_fewshot", value=int(shots))
            requested.append(task)
    return requested


def harness_environment(extra_tasks) -> None:
    """Offline hub and datasets unless the config names harness tasks (``extra_tasks``: hub
    benchmarks such as Belebele or XNLI), which download where the user has not set
    ``HF_DATASETS_OFFLINE``/``HF_HUB_OFFLINE`` themselves; local task files need no network."""
    if not list(extra_tasks):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def run_lm_eval(model, tokenizer, task_dir, tasks: list[str], batch_size: int = 8,
                extra_tasks=(), limit: int | None = None, include_paths=()) -> dict:
    """Run ``tasks`` (found in ``task_dir``) and ``extra_tasks`` (harness tasks by name, or
    ``{name, num_fewshot}``; built in or in ``include_paths``) on an already loaded ``model``
    (wrapped in the harness's HFLM, so the weights load once).

    Runs on ``modeling.model_device()``. Returns ``{"tasks": {name: {metric: value}},
    "items": per_item(...), "n_shot": ..., "versions": ...}``.
    """
    harness_environment(extra_tasks)
    import lm_eval
    from lm_eval.models.huggingface import HFLM

    from langadapt import modeling  # torch: not at import time (the Snakefile imports this module)

    # Reading every built-in task costs seconds; only do it when the config asks for one.
    manager = task_manager(task_dir, include_paths, [name for name, _ in task_specs(extra_tasks)])
    device = modeling.model_device()
    # A pre-loaded model runs where it sits: put it on the job's device. On a GPU the harness
    # finds the largest batch that fits ("auto"); on a CPU larger batches only pad more.
    harness_model = HFLM(pretrained=model.to(device), tokenizer=tokenizer, device=str(device),
                         batch_size="auto" if device.type == "cuda" else batch_size)
    output = lm_eval.simple_evaluate(
        model=harness_model,
        tasks=requested_tasks(manager, tasks, extra_tasks),
        task_manager=manager,
        bootstrap_iters=0,
        log_samples=True,
        limit=limit,
    )
    results = {}
    for name, metrics in output["results"].items():
        results[name] = {key.split(",")[0]: _plain(value) for key, value in metrics.items()
                         if key not in ("alias", "sample_len") and "_stderr" not in key}
    return {"tasks": results, "items": per_item(output.get("samples", {})),
            "n_samples": _plain(output.get("n-samples", {})),
            "n_shot": _plain(output.get("n-shot", {})),
            "versions": _plain(output.get("versions", {})),
            "lm_eval_version": lm_eval.__version__ if hasattr(lm_eval, "__version__") else None}
