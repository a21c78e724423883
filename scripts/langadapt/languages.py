"""Several target languages in one run (config ``languages``).

Each ``languages[i]`` entry overrides the per-language keys of the shared config (``language``,
``sources``, ``split``, ``synthetic``, ``evaluation``); everything else (base model, grids,
recipes) is shared. The Snakefile imports the single-language workflow once per language as a
Snakemake module whose config is the shared config deep-merged with that entry.
"""

import copy
import random
from pathlib import Path

from langadapt import grids
from langadapt.config import check_schema, validate_config
from langadapt.errors import LangadaptError, config_error
from langadapt.textio import read_jsonl, write_jsonl

# Keys a languages[i] entry may override (schemas/config.schema.yaml, languages.items).
LANGUAGE_KEYS = ("language", "sources", "split", "synthetic", "evaluation")


def deep_merge(base: dict, override: dict) -> dict:
    """A copy of ``base`` with ``override`` merged in: mappings key by key, other values
    (lists included: an entry's ``sources`` replace the shared ones) replaced."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def check_languages(config: dict) -> None:
    """Stop a ``languages`` list with an entry without a source or a code given twice."""
    seen = {}
    for index, entry in enumerate(config.get("languages") or []):
        code = entry["language"]["code"]
        if code in seen:
            raise config_error(f"languages[{index}].language.code",
                               f"'{code}' is also languages[{seen[code]}]: one entry a language")
        seen[code] = index
        if not entry.get("sources"):
            raise config_error(f"languages[{index}].sources",
                               f"language '{code}' has no source: list at least one (its "
                               "sources replace the shared config's, which are another language's)")


def check_joint_cells(config: dict) -> None:
    """``sft.joint`` tunes the SFT cells that start from the base model jointly: stop a config
    that asks for it without one (each language's CPT model is its own)."""
    grid = (config.get("sft") or {}).get("grid") or []
    if (config.get("sft") or {}).get("joint") and not any(
            "base" in entry.get("init", ["cpt"]) for entry in grid):
        raise config_error("sft.joint", "a joint cell starts from the base model, and no "
                           "sft.grid entry has init: [base]; add one or set joint: false")


def joint_instruction_set(paths: list, out_path, seed: int) -> int:
    """One SFT set of every language's (``paths``, same cell), shuffled with ``seed`` so that
    each batch mixes languages; returns the number of examples."""
    rows = [row for path in paths for row in read_jsonl(path)]
    random.Random(seed).shuffle(rows)
    return write_jsonl(out_path, rows)


def multilingual_run_name(config: dict, configfiles) -> str:
    """``run_name``, else the stem of the last config file: the cross-language outputs go to
    results/paper/<name>/ and each language's paper outputs to results/paper/<name>/<code>/."""
    if config.get("run_name"):
        return str(config["run_name"])
    return Path(str(list(configfiles)[-1])).stem if configfiles else "config"


def language_configs(config: dict, run: str | None = None) -> dict[str, dict]:
    """{language code: config of one language, validated} for a config with ``languages`` ({}
    without): the shared config without ``languages``, with the entry merged in and
    ``run_name`` ``run`` when given (each module writes its paper outputs under <run>/<code>)."""
    check_schema(config)
    check_languages(config)
    check_joint_cells(config)
    shared = {key: value for key, value in config.items() if key != "languages"}
    if run is not None:
        shared["run_name"] = run
    configs = {}
    for index, entry in enumerate(config.get("languages") or []):
        merged = deep_merge(shared, entry)
        try:
            validate_config(merged)
        except LangadaptError as error:
            raise LangadaptError(f"languages[{index}] ({entry['language']['code']}), {error}"
                                 ) from None
        configs[entry["language"]["code"]] = merged
    if configs:
        grids.joint_cells(next(iter(configs.values())))  # stops on an entry that matches nothing
    return configs


def module_name(code: str) -> str:
    """The Snakemake module (and rule-name prefix) of a language: pt-BR -> pt_BR."""
    return code.replace("-", "_")
