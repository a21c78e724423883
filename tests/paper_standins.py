"""The paper configs on local stand-ins: every hub part replaced, every declared shape kept.

``standin_config(name, root, model_dir)`` reads ``configs/<name>.yaml`` and swaps what needs a
hub for local stand-ins — the tiny random model (base model and MT backend, ``causal_lm``), a
small local English corpus for every ``role: english`` source, local target text and a local
parallel sample for the target sources, local JSONL files with the declared field names for
every SFT/DPO dataset part, local task YAMLs (in an include path, at the config's few-shot
counts) for the harness tasks — and scales sizes and recipes down to one optimizer step. What
the config declares stays: corpora by role, which corpus is translated and transliterated, the
parts and their treatments, the training method of each stage.

``prepare_and_train(config, root)`` runs, in one process, the library calls the rules make, in
DAG order: load sources, plan check, clean and split, translate (document-level), filter,
transliterate, tokenise each declared corpus, mix the first CPT cell, build the SFT and DPO
sets from their parts, then one step of CPT, SFT and DPO (each with the config's method).
"""

import copy
import json
from pathlib import Path

import yaml
from langadapt.languages import deep_merge

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
TINY_RECIPE = {"max_steps": 1, "per_device_train_batch_size": 2, "bf16": False,
               "gradient_accumulation_steps": 1, "save_steps": 1000, "logging_steps": 1}


def _jsonl(path: Path, rows) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
                    encoding="utf-8")
    return str(path)


def _english_documents() -> list[str]:
    """A small local English corpus: help paragraphs joined into multi-sentence documents."""
    lines = [r["en"] for r in map(json.loads, (FIXTURES / "eval_test_split.jsonl").open())
             if r.get("en")]
    return [" ".join(lines[i:i + 6]) for i in range(0, len(lines), 6)]


def _part_dataset(root: Path, stage: str, part: dict) -> dict:
    spec = dict(part["dataset"])
    path = root / "parts" / f"{stage}_{part['name']}.jsonl"
    if stage == "sft":
        rows = [{spec.get("prompt_field", "instruction"): f"Explain step {i} of saving a file.",
                 spec.get("response_field", "output"): f"Step {i}: open the File menu. Then "
                                                       "choose Save. The file is written."}
                for i in range(6)]
        if spec.get("input_field"):
            for i, row in enumerate(rows):
                row[spec["input_field"]] = "" if i % 2 else "In LibreOffice Writer."
    else:
        rows = [{spec.get("prompt_field", "prompt"): f"How do I print page {i}?",
                 spec.get("chosen_field", "chosen"): "Choose File - Print and enter the page.",
                 spec.get("rejected_field", "rejected"): "Printing is not possible."}
                for i in range(6)]
    keep = {k: v for k, v in spec.items() if k.endswith("_field")}
    return {"path": "json", "data_files": _jsonl(path, rows), **keep}


def _task_yaml(directory: Path, name: str, items_path: str) -> None:
    from langadapt.eval.lm_eval_tasks import write_multiple_choice_task

    write_multiple_choice_task(directory / f"{name}.yaml", name, items_path, "Target")


def mt_standin_model(model_dir, out_dir, script: str) -> str:
    """The tiny random model as a stand-in MT model for the ``causal_lm`` backend.

    Greedy decoding of the random model repeats a newline (an empty translation); this copy's
    generation config suppresses every token outside the target script (Devanagari for Deva,
    Latin letters otherwise), so it writes target-script text and never stops (every output
    reaches max_new_tokens: the truncation count is exercised too).
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir)

    def in_script(text: str) -> bool:
        if script == "Deva":
            return any("\u0905" <= c <= "\u0939" for c in text)  # letters, not bare signs
        return any(c.isalpha() and c.isascii() for c in text)

    model.generation_config.suppress_tokens = [
        i for i in range(len(tokenizer)) if not in_script(tokenizer.decode([i]))]
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return str(out_dir)


def standin_config(name: str, root: Path, model_dir) -> dict:
    config = yaml.safe_load((REPO / "configs" / f"{name}.yaml").read_text(encoding="utf-8"))
    config = copy.deepcopy(config)
    if config.get("languages"):  # several languages: the first one's data, as its module runs it
        config = deep_merge({k: v for k, v in config.items() if k != "languages"},
                            config["languages"][0])
    root = Path(root)
    deva = config["language"].get("script") == "Deva"
    # sources: English role -> a local English corpus; target -> local text; parallel -> fixture
    english = _jsonl(root / "english.jsonl", ({"text": d} for d in _english_documents()))
    target_lines = ((FIXTURES / "hindi.txt").read_text(encoding="utf-8").splitlines() if deva
                    else [r["target"] for r in map(json.loads,
                                                   (FIXTURES / "eval_test_split.jsonl").open())])
    target = root / "target.txt"
    target.write_text("\n".join(line for line in target_lines if line.strip()) + "\n",
                      encoding="utf-8")
    sources = []
    for source in config["sources"]:
        if source.get("role") == "english":
            sources.append({"name": source["name"], "type": "local", "path": english,
                            "text_column": "text", "role": "english"})
        elif source["type"] == "libreoffice_help" or source.get("translation_column"):
            sources.append({"name": source["name"], "type": "local",
                            "path": str(FIXTURES / "clean_train.jsonl"), "english_column": "en",
                            "target_column": "target", "group_column": "group"})
        else:
            sources.append({"name": source["name"], "type": "local", "path": str(target)})
    config["sources"] = sources
    config["split"] = {"test_groups": ["scalc"], "dev_groups": ["simpress"], "max_test_pairs": 10}
    config["base_model"] = {"kind": "local", "path": str(model_dir)}
    translation = config["synthetic"]["translation"]
    if translation.get("enabled"):
        mt_model = mt_standin_model(model_dir, root / "mt_model", config["language"]["script"])
        translation.update(backend="causal_lm", model=mt_model, max_sentences=4,
                           batch_size=8, max_segment_chars=120, max_new_tokens=8)
    filters = config["synthetic"].setdefault("filters", {})
    filters.update(perplexity_max_lines=8, length_ratio=[0.01, 100.0])
    config.setdefault("mixture", {})["seq_len"] = 32
    for entry in config["cpt"]["grid"]:
        entry["token_budget"] = ["2k"]
    config["sft"]["cpt_cell"]["token_budget"] = "2k"
    config["cpt"]["epochs"] = 1
    for stage in ("sft", "dpo"):
        block = config[stage]
        for part in block.get("parts") or []:
            part["examples"] = min(part["examples"], 4)
            if part.get("dataset"):
                part["dataset"] = _part_dataset(root, stage, part)
    for entry in config["sft"]["grid"]:
        entry["translation_examples"] = sorted({min(int(x), 6)
                                                for x in entry["translation_examples"]})
    for entry in config["dpo"].get("grid", []):
        entry["translation_examples"] = [min(int(x), 6) for x in entry["translation_examples"]]
    for stage in ("cpt", "sft", "dpo"):
        recipe = config[stage].get("recipe", {})
        recipe.pop("gradient_checkpointing", None)
        recipe.update(TINY_RECIPE, max_length=64) if stage != "cpt" else recipe.update(TINY_RECIPE)
        if "lora_r" in recipe:
            recipe.update(lora_r=4, lora_alpha=8)
        config[stage].update(recipe=recipe, gpus=0, deepspeed=None)
    evaluation = config["evaluation"]
    tasks = root / "lm_eval_tasks"
    items = _jsonl(root / "mc_items.jsonl", (
        {"en": f"word {i}", "choices": [f"c{i}{j}" for j in range(4)], "answer": i % 4}
        for i in range(8)))  # a 5-shot task draws its shots from the other items
    standins = []
    for entry in evaluation.get("lm_eval_tasks", []):
        name = entry if isinstance(entry, str) else entry["name"]
        shots = None if isinstance(entry, str) else entry.get("num_fewshot")
        _task_yaml(tasks, f"standin_{name}", items)
        standins.append({"name": f"standin_{name}", "num_fewshot": shots})
    evaluation.update(lm_eval_tasks=standins, lm_eval_include_paths=[str(tasks)], test_set=None,
                      comet_model=None)
    return config


def prepare_and_train(config: dict, root: Path) -> dict:
    """Data preparation and one step of every training stage; returns what each produced."""
    from langadapt import corpora, grids
    from langadapt.clean import clean_files
    from langadapt.config import validate_config
    from langadapt.feasibility import check_plan, parallel_sources
    from langadapt.instructions import (
        help_section_counts,
        write_general,
        write_sections,
        write_sft_set,
        write_translation,
    )
    from langadapt.mixture import build_mixture
    from langadapt.preferences import write_preferences
    from langadapt.sources import write_source
    from langadapt.synthetic import filter_synthetic, translate_english, transliterate_train
    from langadapt.textio import read_jsonl
    from langadapt.tokenize_corpus import tokenize_corpus

    config = validate_config(config)
    lang, root = config["language"]["code"], Path(root)
    out = {"config": config}

    def path(relative: str) -> Path:
        full = root / relative
        full.parent.mkdir(parents=True, exist_ok=True)
        return full

    sources = {}
    for source in config["sources"]:
        sources[source["name"]] = str(path(f"results/data/{lang}/sources/{source['name']}.jsonl"))
        write_source(config, source["name"], lang, sources[source["name"]])
    out["plan"] = check_plan(config, {n: sources[n] for n in parallel_sources(config)},
                             path(f"results/data/{lang}/plan_check.json"))
    clean = {split: str(path(f"results/data/{lang}/clean/{split}.jsonl"))
             for split in ("train", "dev", "test", "report")}
    clean["report"] = clean["report"].replace(".jsonl", ".json")
    clean_files({n: sources[n] for n in corpora.target_sources(config)}, config["split"], clean)
    plan = corpora.corpus_plan(config, lang)
    files = {name: str(root / spec["file"]) for name, spec in plan.items()}
    translation = config["synthetic"]["translation"]
    if "mt" in plan:
        english_file = str(root / corpora.english_file(config, lang, translation["english_source"]))
        raw = path(f"results/data/{lang}/synthetic/mt.jsonl")
        out["mt_provenance"] = translate_english(english_file, raw, str(raw) + ".provenance.json",
                                                 translation)
        filter_synthetic(raw, path(f"results/data/{lang}/synthetic/mt.filtered.jsonl"),
                         path(f"results/data/{lang}/synthetic/mt.filter_report.json"),
                         config["synthetic"]["filters"], model_dir=None)
    for name in (n for n in plan if n.startswith("translit")):
        transliterate_train(str(root / corpora.translit_input(config, lang, name)[0]),
                            path(f"results/data/{lang}/synthetic/{name}.jsonl"),
                            config["synthetic"]["transliteration"]["scheme"])
    model_dir = config["base_model"]["path"]
    tokens = {}
    for name, spec in plan.items():
        tokens[name] = tokenize_corpus(files[name], spec["field"], model_dir,
                                       path(f"results/tokens/{lang}/{name}.npy"),
                                       path(f"results/tokens/{lang}/{name}.json"))
    out["corpora"], out["tokens"] = plan, tokens
    cells = grids.cpt_cells(config)
    trained = {}
    if cells:
        cell = cells[0]
        mix_dir = path(f"results/mix/{lang}/cell/mix.json").parent
        chosen = [n for n in plan if not (n == "english" and float(cell["mixing_ratio"]) >= 1)
                  and not (plan[n]["kind"] == "synthetic"
                           and float(cell["synthetic_weight"]) <= 0)]
        token_names = {n: n for n in chosen}
        if grids.corpus_set(config, cell["corpus"]) is not None:  # the cell's real: its sources
            token_names["real"] = f"real/corpus={cell['corpus']}"
            selected = path(f"results/data/{lang}/clean/train/corpus={cell['corpus']}.jsonl")
            out["corpus_set"] = corpora.select_corpus_set(
                clean["train"], selected, cell["corpus"], grids.corpus_set(config, cell["corpus"]))
            out["corpus_set_sources"] = {r["source"] for r in read_jsonl(selected)}
            tokenize_corpus(selected, "target", model_dir,
                            path(f"results/tokens/{lang}/{token_names['real']}.npy"),
                            path(f"results/tokens/{lang}/{token_names['real']}.json"))
        out["mixture"] = build_mixture(
            {n: [str(root / f"results/tokens/{lang}/{token_names[n]}.npy")] for n in chosen},
            {n: [str(root / f"results/tokens/{lang}/{token_names[n]}.json")] for n in chosen},
            mix_dir / "index.npy", mix_dir / "mix.json", float(cell["mixing_ratio"]),
            grids.parse_token_count(cell["token_budget"]), float(cell["synthetic_weight"]),
            config["mixture"]["real_weight"], config["mixture"]["seq_len"])
        from langadapt.train.cpt import train_cpt

        trained["cpt"] = train_cpt(str(mix_dir / "mix.json"), model_dir, str(root / "cpt"),
                                   str(root / "ck" / "cpt"), config["cpt"]["recipe"])
    sections = path(f"results/instruct/{lang}/sections.jsonl")
    write_sections(clean["train"], sections, translation, sum(help_section_counts(config)))
    sft_cell = max(grids.sft_cells(config), key=lambda cell: int(cell["translation_examples"]))
    general = path(f"results/instruct/{lang}/general.{sft_cell['instructions']}.jsonl")
    write_general(sections, general, sft_cell["instructions"], config["sft"]["parts"],
                  translation)
    xlate = max(int(c["translation_examples"]) for c in grids.sft_cells(config))
    translation_set = path(f"results/instruct/{lang}/translation.jsonl")
    write_translation(clean["train"], translation_set, xlate,
                      config["sft"]["translation_direction"], config["language"]["name"])
    sft_set = path(f"results/instruct/{lang}/sft.jsonl")
    write_sft_set(general, translation_set, sft_set, int(sft_cell["translation_examples"]), 1)
    out["sft_set"] = sft_set
    from langadapt.train.sft import train_sft

    trained["sft"] = train_sft(str(sft_set), model_dir, str(root / "sft"), str(root / "ck" / "sft"),
                               config["sft"]["recipe"], method=config["sft"]["method"])
    if grids.dpo_cells(config):
        preferences = path(f"results/instruct/{lang}/preferences.jsonl")
        write_preferences(sections, preferences, config["dpo"]["parts"],
                          help_section_counts(config)[0], translation)
        out["preferences"] = preferences
        from langadapt.train.dpo import train_dpo

        trained["dpo"] = train_dpo(str(preferences), str(root / "sft" / "model"),
                                   str(root / "dpo"), str(root / "ck" / "dpo"),
                                   config["dpo"]["recipe"], method=config["dpo"]["method"])
    out["trained"] = trained
    return out
