"""Load and validate the experiment config against ``schemas/config.schema.yaml``.

Defaults from the schema are filled in, so every consumer sees every key. Validation errors
name the offending key as a dotted path and say what is allowed.
"""

import hashlib
import json
from pathlib import Path

import jsonschema
import yaml

from langadapt.errors import config_error, file_error
from langadapt.train.recipe_keys import check_recipe_keys

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "config.schema.yaml"


def load_schema(path: Path = SCHEMA_PATH) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _key_path(error: jsonschema.ValidationError) -> str:
    parts = []
    for part in error.absolute_path:
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}")
    return "".join(parts).lstrip(".") or "<top level>"


def _describe(error: jsonschema.ValidationError) -> tuple[str, str]:
    """(key, message) for the most specific cause of ``error``."""
    while error.context:
        error = min(error.context, key=lambda e: -len(e.absolute_path))
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        key = _key_path(error)
        prefix = "" if key == "<top level>" else key + "."
        return prefix + unknown[0], f"unknown key; allowed keys here: {', '.join(allowed)}"
    key = _key_path(error)
    if error.validator == "enum":
        allowed = ", ".join(map(str, error.validator_value))
        return key, f"{error.instance!r} is not allowed; choose one of: {allowed}"
    if error.validator == "type":
        return key, f"{error.instance!r} has the wrong type; expected {error.validator_value}"
    if error.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        description = error.schema.get("description", "")
        return key, f"{error.message}. {description}".strip()
    if error.validator == "required":
        return key, error.message
    return key, error.message


def _fill_defaults(instance, schema: dict, root: dict) -> None:
    """Insert schema defaults into ``instance`` in place (objects and array items)."""
    if "$ref" in schema:
        ref = schema["$ref"].split("/")[-1]
        schema = {**root["$defs"][ref], **{k: v for k, v in schema.items() if k != "$ref"}}
    if isinstance(instance, dict):
        properties = dict(schema.get("properties", {}))
        for clause in schema.get("allOf", []):
            condition = clause.get("if", {}).get("properties", {})
            if all(instance.get(k) == v.get("const") for k, v in condition.items()):
                properties.update(clause.get("then", {}).get("properties", {}))
        for name, subschema in properties.items():
            if isinstance(subschema, dict) and "$ref" in subschema and "default" not in subschema:
                ref = root["$defs"][subschema["$ref"].split("/")[-1]]
                if "default" in ref:  # a default declared on the referenced definition
                    subschema = {**subschema, "default": ref["default"]}
            if name not in instance and isinstance(subschema, dict) and "default" in subschema:
                instance[name] = json.loads(json.dumps(subschema["default"]))
            if name in instance:
                _fill_defaults(instance[name], subschema, root)
    elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for item in instance:
            _fill_defaults(item, schema["items"], root)


def check_schema(config: dict, schema: dict | None = None) -> dict:
    """Raise LangadaptError naming the first key of ``config`` the schema refuses; return the
    schema."""
    schema = schema or load_schema()
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        key, message = _describe(errors[0])
        raise config_error(key, message)
    return schema


def validate_config(config: dict, schema: dict | None = None) -> dict:
    """Validate ``config`` in place, fill defaults, and return it; raise LangadaptError."""
    schema = check_schema(config, schema)
    _fill_defaults(config, schema, schema)
    if config["languages"]:  # several languages: each is checked as its own config
        from langadapt.languages import language_configs

        language_configs(config)
        expand_short_forms(config)
    else:
        _check_semantics(config)
        expand_short_forms(config)
        _check_recipes(config)
    sort_keys(config)
    return config


def sort_keys(value) -> None:
    """Order every mapping in ``value`` by key, in place (lists keep their order).

    Snakemake compares a rule's params by ``repr``, so the same dict with its keys in another
    order (a key written in the config file against one filled from the schema) would rerun the
    rule ("Params have changed"); in canonical order only a changed value does.
    """
    if isinstance(value, dict):
        items = sorted(value.items())
        value.clear()
        value.update(items)
        for item in value.values():
            sort_keys(item)
    elif isinstance(value, list):
        for item in value:
            sort_keys(item)


def expand_short_forms(config: dict) -> None:
    """Write the short forms out in the declared-data shape (DESIGN.md, "corpora and training
    sets as declared data"): ``sft.parts`` / ``dpo.parts`` from ``general_dataset`` /
    ``general_examples`` and ``preference_dataset`` / ``preference_pairs``. Idempotent."""
    sft, dpo = config["sft"], config["dpo"]
    if sft.get("parts") is None:
        sft["parts"] = [{"name": "general", "dataset": sft.get("general_dataset"),
                         "treatment": "cell", "examples": sft["general_examples"]}]
    if dpo.get("parts") is None:
        dpo["parts"] = [{"name": "preferences", "dataset": dpo.get("preference_dataset"),
                         "treatment": "mt", "examples": dpo["preference_pairs"]}]
    for stage in (sft, dpo):
        for part in stage["parts"]:
            part.setdefault("dataset", None)


def _source_roles(config: dict) -> dict[str, str]:
    return {source["name"]: source.get("role", "target") for source in config["sources"]}


def _check_english_source(config: dict, key: str, name: str) -> None:
    if name == "parallel":
        return
    roles = _source_roles(config)
    if name not in roles:
        raise config_error(key, f"'{name}' is neither 'parallel' nor a configured source "
                                f"(configured: {', '.join(roles)})")
    if roles[name] != "english":
        raise config_error(key, f"source '{name}' has role {roles[name]}; an English source "
                                "needs `role: english`")


def _check_recipes(config: dict) -> None:
    """Checks of the recipe shape: sources by role, parts, training method."""
    roles = _source_roles(config)
    for index, source in enumerate(config["sources"]):
        if roles[source["name"]] != "english":
            continue
        if source.get("english_path") or source.get("english_column") or source.get(
                "translation_column") or source.get("target_column"):
            raise config_error(f"sources[{index}].role", "an English source is monolingual: "
                               "give text_column (or a plain text path), not parallel columns")
    if "target" not in roles.values():
        raise config_error("sources", "no source has role target (target-language text)")
    _check_english_source(config, "mixture.english_source", config["mixture"]["english_source"])
    translation = config["synthetic"]["translation"]
    _check_english_source(config, "synthetic.translation.english_source",
                          translation["english_source"])
    translit = config["synthetic"]["transliteration"]
    if translit["enabled"] and "mt" in translit["corpora"] and not (
            translation["enabled"] and translation["cpt_corpus"]):
        raise config_error("synthetic.transliteration.corpora",
                           "'mt' needs synthetic.translation.enabled: true and cpt_corpus: true")
    for stage in ("sft", "dpo"):
        names = [part["name"] for part in config[stage]["parts"]]
        for index, name in enumerate(names):
            if names.index(name) != index:
                raise config_error(f"{stage}.parts[{index}].name", f"duplicate part name '{name}'")
        for index, part in enumerate(config[stage]["parts"]):
            _check_part(config, stage, index, part)
        if config[stage]["method"] == "full":
            lora = sorted(key for key in config[stage]["recipe"] if key.startswith("lora_"))
            if lora:
                raise config_error(f"{stage}.recipe.{lora[0]}",
                                   f"{stage}.method is full (every weight trains): remove the "
                                   "LoRA keys or set method: lora")
    _check_part_sets(config)
    _check_corpus_sets(config, roles)


def _check_corpus_sets(config: dict, roles: dict) -> None:
    """``cpt.corpus_sets`` name target sources; every ``corpus`` of ``cpt.grid`` names a set,
    and a set other than ``all`` is not combined with what reads the whole clean split
    (vocabulary extension, transliteration of ``real``)."""
    sets = config["cpt"].get("corpus_sets") or {}
    if "all" in sets:
        raise config_error("cpt.corpus_sets.all", "'all' is every target source; rename the set")
    for set_name, members in sets.items():
        for index, member in enumerate(members):
            if roles.get(member) != "target":
                kind = "an English source" if member in roles else "not a source"
                raise config_error(f"cpt.corpus_sets.{set_name}[{index}]",
                                   f"'{member}' is {kind}; a corpus set lists target sources "
                                   f"({sorted(n for n, r in roles.items() if r == 'target')})")
    translit = config["synthetic"]["transliteration"]
    for index, entry in enumerate(config["cpt"]["grid"]):
        named = [value for value in entry.get("corpus", []) if value != "all"]
        for value in named:
            if value not in sets:
                raise config_error(f"cpt.grid[{index}].corpus",
                                   f"unknown corpus set '{value}' (cpt.corpus_sets: "
                                   f"{sorted(sets) or 'none'}; 'all' = every target source)")
        if named and any(int(v) for v in entry.get("vocab_extension", [0])):
            raise config_error(f"cpt.grid[{index}].corpus", "a corpus set with "
                               "vocab_extension > 0 is not supported (the extended tokenizer "
                               "learns from the whole clean split): use two grid entries")
        if named and translit["enabled"] and "real" in translit["corpora"]:
            raise config_error(f"cpt.grid[{index}].corpus", "a corpus set with transliteration "
                               "of real text is not supported (translit romanises the whole "
                               "clean split)")


def _check_part_sets(config: dict) -> None:
    """``sft.part_sets`` / ``dpo.part_sets`` name known parts; every ``parts`` value of a grid
    names an SFT set, every ``preference_parts`` value of ``dpo.grid`` a DPO set."""
    for stage in ("sft", "dpo"):
        names = [part["name"] for part in config[stage]["parts"]]
        sets = config[stage].get("part_sets") or {}
        if "all" in sets:
            raise config_error(f"{stage}.part_sets.all",
                               f"'all' is every part of {stage}.parts; rename the set")
        for set_name, members in sets.items():
            for index, member in enumerate(members):
                if member not in names:
                    raise config_error(f"{stage}.part_sets.{set_name}[{index}]",
                                       f"unknown part '{member}' ({stage}.parts: {names})")
    checks = [("sft", "parts", "sft"), ("dpo", "parts", "sft"), ("dpo", "preference_parts", "dpo")]
    for stage, axis, owner in checks:
        sets = config[owner].get("part_sets") or {}
        for index, entry in enumerate(config[stage]["grid"]):
            for value in entry.get(axis, []):
                if value != "all" and value not in sets:
                    raise config_error(f"{stage}.grid[{index}].{axis}",
                                       f"unknown part set '{value}' ({owner}.part_sets: "
                                       f"{sorted(sets) or 'none'}; 'all' = every part)")


def _check_part(config: dict, stage: str, index: int, part: dict) -> None:
    key = f"{stage}.parts[{index}]"
    treatment, dataset = part["treatment"], part.get("dataset")
    if dataset is not None and not dataset.get("path"):
        raise config_error(f"{key}.dataset.path", "name a dataset (hub id, json, parquet)")
    if stage == "dpo" and dataset is None and treatment != "mt":
        raise config_error(f"{key}.treatment", "help-corpus preference pairs are built with MT "
                           "(chosen: human translation, rejected: MT); use treatment mt")
    if stage == "sft" and treatment == "cell" and dataset is not None:
        human = any("human" in entry.get("instructions", []) for entry in config["sft"]["grid"])
        if human:
            raise config_error("sft.grid.instructions",
                               f"'human' needs human-translated instructions; part "
                               f"'{part['name']}' is an English dataset that only machine "
                               "translation can provide (use 'mt', or add a part with "
                               "treatment human and a target-language dataset)")


def _check_semantics(config: dict) -> None:
    """Checks JSON schema cannot express."""
    if not config.get("sources"):
        raise config_error("sources", f"language '{config['language']['code']}' has no source")
    names = [source["name"] for source in config["sources"]]
    for index, name in enumerate(names):
        if names.index(name) != index:
            raise config_error(f"sources[{index}].name", f"duplicate source name '{name}'")
    low, high = config["synthetic"]["filters"]["length_ratio"]
    if low >= high:
        raise config_error("synthetic.filters.length_ratio", f"[{low}, {high}]: min must be < max")
    translation = config["synthetic"]["translation"]
    if translation["enabled"] and translation["backend"] == "apertium":
        if not translation["apertium_pair"]:
            raise config_error(
                "synthetic.translation.apertium_pair",
                "the apertium backend needs a language pair such as en-gl "
                f"(there is none for en->{config['language']['code']}; "
                "choose hf_seq2seq or causal_lm, or set enabled: false)",
            )
    limit = config["synthetic"]["filters"]["perplexity_max_lines"]
    if translation["enabled"] and translation["max_sentences"] > limit:
        raise config_error(
            "synthetic.translation.max_sentences",
            f"{translation['max_sentences']} lines would be translated but the perplexity filter "
            f"scores at most synthetic.filters.perplexity_max_lines = {limit}; every translated "
            "line is scored (none is dropped unscored): lower max_sentences or raise the limit",
        )
    if config["synthetic"]["transliteration"]["enabled"] and config["language"]["script"] != "Deva":
        raise config_error(
            "synthetic.transliteration.enabled",
            f"transliteration needs script Deva, language.script is {config['language']['script']}",
        )
    kind = config["base_model"]["kind"]
    needed = {"hub": "id", "local": "path"}.get(kind)
    if needed and not config["base_model"][needed]:
        raise config_error(f"base_model.{needed}", f"base_model.kind {kind} needs '{needed}'")
    if not config["language"]["name"]:
        config["language"]["name"] = config["language"]["code"]
    _check_scaling_metric(config)
    check_recipe_keys(config)  # trainer argument names: `snakemake -n` stops on them


def _check_scaling_metric(config: dict) -> None:
    """paper.scaling_metric names a score the evaluation computes."""
    metric = config["paper"]["scaling_metric"]
    evaluation = config["evaluation"]
    if metric == "spbleu" and not evaluation["spbleu"]["enabled"]:
        raise config_error("paper.scaling_metric", "spbleu needs evaluation.spbleu.enabled: true "
                           "(the evaluation does not score spBLEU otherwise)")
    if metric == "comet" and not evaluation["comet_model"]:
        raise config_error("paper.scaling_metric", "comet needs evaluation.comet_model (a local "
                           "COMET checkpoint); without it no COMET score exists to fit")


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a mapping key given twice (YAML itself keeps the last one
    silently, so half of a config would be ignored without a word)."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise file_error(self.name, f"key '{key}' is given twice (first on line "
                                 f"{seen[key]}); YAML would silently keep only this one: merge "
                                 f"the two or delete one", line=key_node.start_mark.line + 1)
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def read_config_file(path) -> dict:
    """The YAML mapping in ``path``; a key given twice is an error naming its line."""
    with open(path, encoding="utf-8") as handle:
        loader = _UniqueKeyLoader(handle)
        loader.name = str(path)
        try:
            return loader.get_single_data() or {}
        finally:
            loader.dispose()


def load_config(path) -> dict:
    """Read a YAML config file and validate it."""
    return validate_config(read_config_file(path))


def config_hash(config: dict) -> str:
    """Stable short hash of a validated config, recorded in provenance."""
    canonical = json.dumps(config, sort_keys=True, default=str).encode()
    return hashlib.sha256(canonical).hexdigest()[:16]
