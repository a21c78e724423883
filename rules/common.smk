# Input functions and grids only: every target list of the workflow is built here.
import re
import sys
from pathlib import Path

sys.path.insert(0, f"{workflow.basedir}/scripts")

from langadapt import corpora, grids, reference_models
from langadapt.config import validate_config
from langadapt.paper.disclosure import disclosure_text
from langadapt.paper.run import run_name
from langadapt.runnable import leave_out_mt_arms
from langadapt.instructions import help_section_counts
from langadapt.train.launch import slurm_job_resources

validate_config(config)  # a language module's config: the shared config merged with its entry
# Without machine translation the arms that need it leave the grid, with one notice line.
_mt_notice = leave_out_mt_arms(config)
if _mt_notice:
    print(_mt_notice, file=sys.stderr)
reference_models.check_reference_models(config)  # a local reference model must load (plan time)

LANG = config["language"]["code"]
# The Snakemake module of this language when the config lists several (rules/languages.smk);
# None for a single-language config.
LANGUAGE_MODULE = workflow.modifier.namespace
# Paper outputs of this run live in results/paper/{RUN}/ (config run_name; default <lang>-<stem>);
# with several languages, each language's in results/paper/<run_name>/<code>/.
RUN = run_name(config, workflow.overwrite_configfiles or ["config.yaml"])
if LANGUAGE_MODULE:
    RUN = f"{RUN}/{LANG}"
# Priority of the jobs on the way to the last checkpoint (synthetic data, tokens, mixture,
# CPT, SFT, DPO) over evaluations, which only the paper stage waits for: a 2-core run then
# keeps both cores busy to the end instead of evaluating early and training last, alone.
TRAINING_CHAIN_PRIORITY = 10


wildcard_constraints:
    # A language module's rules make only its own language's files (a region: pt-BR).
    lang=re.escape(LANG) if LANGUAGE_MODULE else "[a-z]{2,3}(-[A-Z]{2})?",
    ratio="[0-9.]+",
    tokens="[0-9.]+[kKmMbB]?",
    synth="[0-9.]+",
    seed="[0-9]+",
    init="base|cpt",
    instr="mt|human",
    xlate="[0-9]+",
    # SFT translation-direction path part: empty at sft.translation_direction, else /dir=xx-en
    dirpart="(/dir=(en-xx|xx-en|both))?",
    # SFT part-set path part: empty at the set 'all' (every sft.parts), else /parts=<name>
    partspart="(/parts=[A-Za-z0-9_]+)?",
    # CPT corpus-set path part: empty at the set 'all' (every target source), else /corpus=<set>
    corpuspart="(/corpus=[A-Za-z0-9_]+)?",
    # DPO preference-set path part: empty at the set 'all' (every dpo.parts), else /prefs=<name>
    prefspart="(/prefs=[A-Za-z0-9_]+)?",
    corpusset="[A-Za-z0-9_]+",
    split="train|dev|test",
    checkpoint="base|(cpt|sft|joint|dpo|reference)/[^ ]+",
    reference="[A-Za-z0-9_.-]+",


def cpt_cell_paths():
    """Path parts of every CPT grid cell: ratio=0.8/tokens=12k/synth=1.0/seed=1."""
    return [grids.cell_path(cell, grids.CPT_AXES) for cell in grids.cpt_cells(config)]


def sft_cell_paths():
    """Path parts of every SFT grid cell: init=cpt/instr=mt/xlate=128/seed=1
    (.../xlate=128/dir=xx-en/seed=1 off sft.translation_direction)."""
    return [grids.sft_cell_path(config, cell) for cell in grids.sft_cells(config)]


def dpo_cell_paths():
    """Path parts of every DPO cell (the SFT cell it aligns)."""
    return [grids.dpo_cell_path(config, cell) for cell in grids.dpo_cells(config)]


def translation_direction(wildcards):
    """Direction of the translation-task set named by wildcards.dirpart ('' = the run's)."""
    return wildcards.dirpart.partition("=")[2] or config["sft"]["translation_direction"]


def sft_part_names(wildcards):
    """Parts of sft.parts in the set named by wildcards.partspart ('' = all of them)."""
    return grids.part_set(config, wildcards.partspart.partition("=")[2] or grids.ALL_PARTS)


def dpo_preference_names(wildcards):
    """Parts of dpo.parts in the preference set of wildcards.prefspart (/prefs=<name>)."""
    return grids.part_set(config, wildcards.prefspart.partition("=")[2], stage="dpo")


def sft_init_cpt_path():
    """Path part of the CPT cell that SFT init=cpt starts from."""
    return grids.cell_path(grids.sft_init_cell(config), grids.CPT_AXES)


def mixture_paths():
    """Path parts of the mixtures the CPT grid needs (seed does not change the data)."""
    parts = []
    for cell in grids.cpt_cells(config):
        part = grids.cell_path(cell, grids.MIXTURE_AXES)  # vocab=N/ratio=.../synth=... (vocab=0 left out)
        if part not in parts:
            parts.append(part)
    return parts


def joint_cell_paths():
    """SFT cells also tuned jointly on every language (sft.joint, several languages;
    grids.joint_cells); none for a single-language config."""
    if not LANGUAGE_MODULE:
        return []
    return [grids.sft_cell_path(config, cell) for cell in grids.joint_cells(config)]


def checkpoint_names():
    """Every evaluated checkpoint: base, cpt/<cell>, sft/<cell>, joint/<cell>, dpo/<cell>."""
    return (
        ["base"]
        + [f"cpt/{part}" for part in cpt_cell_paths()]
        + [f"sft/{part}" for part in sft_cell_paths()]
        + [f"joint/{part}" for part in joint_cell_paths()]
        + [f"dpo/{part}" for part in dpo_cell_paths()]
    )


def checkpoint_model_dir(wildcards):
    """Model directory of the checkpoint named by wildcards.checkpoint."""
    return model_dir_of(wildcards.checkpoint, wildcards.lang)


def model_dir_of(checkpoint, lang):
    """Model directory of checkpoint name ``checkpoint`` (base, <stage>/<cell>, reference/<name>)."""
    if checkpoint == "base":
        return "results/models/base"
    stage, cell = checkpoint.split("/", 1)
    if stage == reference_models.STAGE:
        return f"results/models/reference/{cell}"
    return f"{training_cell_dir(checkpoint, lang)}/model"


def training_cell_dir(checkpoint, lang):
    """Directory of a trained checkpoint: results/<stage>/<lang>/<cell>; a joint SFT cell's is
    results/sft/joint/<cell> (one model for every language)."""
    stage, cell = checkpoint.split("/", 1)
    if stage == "joint":
        return f"results/sft/joint/{cell}"
    return f"results/{stage}/{lang}/{cell}"


def checkpoint_filename(name):
    """A checkpoint name as one file name: sft/init=cpt/instr=mt -> sft__init=cpt__instr=mt."""
    return "__".join(name.split("/"))


def manual_sheets():
    """Filled manual evaluation sheets present on disk: manual/{lang}/{checkpoint_filename}.csv."""
    names = {checkpoint_filename(name): name for name in checkpoint_names()}
    return {names[path.stem]: str(path) for path in sorted(Path("manual", LANG).glob("*.csv"))
            if path.stem in names}


def train_logs():
    """train_log.csv of every training cell, by checkpoint name."""
    logs = {}
    for name in checkpoint_names():
        if name != "base":
            logs[name] = f"{training_cell_dir(name, LANG)}/train_log.csv"
    return logs


def corpora_for_mixing():
    """Tokenised corpora a mixture draws from (langadapt.corpora: the config's declared corpora)."""
    return list(corpora.corpus_plan(config, LANG))


def perplexity_model_dir():
    """Reference causal LM of the synthetic-data perplexity filter (default: the base model)."""
    return config["synthetic"]["filters"]["perplexity_model"] or "results/models/base"


def corpus_text_file(wildcards):
    """JSONL file whose text becomes tokenised corpus wildcards.corpus."""
    return corpora.corpus_plan(config, wildcards.lang)[wildcards.corpus]["file"]


def corpus_text_field(wildcards):
    """Record field holding the text of tokenised corpus wildcards.corpus."""
    return corpora.corpus_plan(config, wildcards.lang)[wildcards.corpus]["field"]


def mixture_corpora(wildcards):
    """Corpora one mixture cell draws from: no English at ratio 1, no target text at ratio 0,
    no synthetic text at synth 0."""
    ratio, synth = float(wildcards.ratio), float(wildcards.synth)
    chosen = []
    for corpus, spec in corpora.corpus_plan(config, wildcards.lang).items():
        if corpus == "english" and ratio >= 1.0:
            continue
        if corpus != "english" and ratio <= 0.0:
            continue
        if spec["kind"] == "synthetic" and synth <= 0.0:
            continue
        chosen.append(corpus)
    return chosen


def mixture_token_files(wildcards):
    """Named inputs of build_mixture: {corpus: [ids .npy per shard], corpus_stats: [.json]}; a
    cell of a CPT corpus set (wildcards.corpuspart /corpus=<set>) reads real/corpus=<set> as its
    real (one file: a set is selected from the clean train split, unsharded)."""
    files = {}
    for corpus in mixture_corpora(wildcards):
        if corpus == "real" and getattr(wildcards, "corpuspart", ""):
            files[corpus] = [f"results/tokens/{wildcards.lang}/real{wildcards.corpuspart}.npy"]
        else:
            files[corpus] = corpora.token_files(config, wildcards.lang, corpus)
        files[f"{corpus}_stats"] = [path.removesuffix(".npy") + ".json" for path in files[corpus]]
    return files

def data_targets():
    return [
        f"results/data/{LANG}/plan_check.json",
        f"results/data/{LANG}/card.json",
        f"results/data/{LANG}/card.md",
    ] + [f"results/mix/{LANG}/{part}/index.npy" for part in mixture_paths()]


def training_targets():
    return (
        [f"results/cpt/{LANG}/{part}/model" for part in cpt_cell_paths()]
        + [f"results/sft/{LANG}/{part}/model" for part in sft_cell_paths()]
        + [f"results/dpo/{LANG}/{part}/model" for part in dpo_cell_paths()]
    )


def eval_targets():
    """metrics.json of every checkpoint and of every outside reference model (reference/<name>)."""
    return [f"results/eval/{LANG}/{name}/metrics.json"
            for name in checkpoint_names() + reference_models.reference_names(config)]


def reference_model_entry(wildcards):
    """The evaluation.reference_models entry named by wildcards.reference (its params)."""
    return [entry for entry in config["evaluation"]["reference_models"]
            if entry["name"] == wildcards.reference]


PAPER_TABLES = (["stages", "mixing_ratio", "synthetic", "instructions", "cpt", "corpus", "baselines"]
                + (["tuning_vs_cpt"] if config["paper"]["tuning_vs_cpt"] else []))
PAPER_FIGURES = ["forgetting", "scaling", "loss_curves"]
PAPER_DIR = f"results/paper/{RUN}"


def paper_targets():
    """Every paper output of this run; tables of ablations a config lacks hold a note."""
    tables = [f"{PAPER_DIR}/tables/{name}.{ext}" for name in PAPER_TABLES
              for ext in ("tex", "md", "csv")]
    figures = [f"{PAPER_DIR}/figures/{name}.{ext}" for name in PAPER_FIGURES
               for ext in ("pdf", "png")]
    return [f"{PAPER_DIR}/{name}" for name in (
        "metrics.csv", "comparisons.csv", "scaling_law.json", "compute.csv", "compute.md",
        "claims.md")] + tables + figures


def layer_alignment_checkpoints():
    """{checkpoint: model dir} of the layer analysis (paper.layer_alignment.checkpoints; null:
    base and every SFT cell at the default part set and translation direction)."""
    from langadapt.errors import config_error

    chosen = config["paper"]["layer_alignment"]["checkpoints"]
    known = checkpoint_names()
    if chosen is None:
        from langadapt.paper.aggregate import checkpoint_coordinates

        chosen = ["base"] + [name for name in known if name.startswith("sft/")
                             and checkpoint_coordinates(name)["parts"] == "all"
                             and checkpoint_coordinates(name)["dir"] is None]
    for index, name in enumerate(chosen):
        if name not in known:
            raise config_error(f"paper.layer_alignment.checkpoints[{index}]",
                               f"'{name}' is not a checkpoint of this run ({', '.join(known)})")
    return {name: model_dir_of(name, LANG) for name in chosen}


def tuning_vs_cpt_arms():
    """paper.tuning_vs_cpt with both arms checked against this run's arms (None when unset)."""
    from langadapt.errors import config_error
    from langadapt.paper.names import arm_of

    chosen = config["paper"]["tuning_vs_cpt"]
    if not chosen:
        return None
    known = sorted({arm_of(name) for name in checkpoint_names()})
    for key in ("sft", "cpt"):
        if chosen[key] not in known:
            raise config_error(f"paper.tuning_vs_cpt.{key}",
                               f"'{chosen[key]}' is not an arm of this run (a checkpoint name "
                               f"without /seed=N: {', '.join(known)})")
    return chosen


def layer_alignment_models(wildcards):
    """Input function of paper_layer_alignment: the compared checkpoints' model directories
    (evaluated only when the rule is wanted, so a bad checkpoint name stops only that plan)."""
    return list(layer_alignment_checkpoints().values())


def layer_alignment_targets():
    """The layer analysis outputs; none unless paper.layer_alignment.enabled."""
    if not config["paper"]["layer_alignment"]["enabled"]:
        return []
    return [f"{PAPER_DIR}/layer_alignment.json"] + [
        f"{PAPER_DIR}/figures/layer_alignment.{ext}" for ext in ("pdf", "png")]


def publish_targets():
    """What `snakemake paper_publish` copies to docs/{RUN}/: Markdown tables, PNG figures,
    claims and compute (the README links docs/default-run/stages.md)."""
    return ([f"docs/{RUN}/{name}.md" for name in PAPER_TABLES]
            + [f"docs/{RUN}/{name}.png" for name in PAPER_FIGURES]
            + [f"docs/{RUN}/claims.md", f"docs/{RUN}/compute.md"])


def eval_suite_files():
    """{checkpoint: {suite: json}} of this run: the per-item results the comparisons resample
    (each checkpoint's stage suites only, evaluation.suites)."""
    from langadapt.eval.plan import SUITE_FILES, stage_suites

    return {name: {SUITE_FILES[suite]: f"results/eval/{LANG}/{name}/{SUITE_FILES[suite]}.json"
                   for suite in stage_suites(config, name.split("/")[0])}
            for name in checkpoint_names()}


def mixture_infos():
    """{cpt cell path: mix.json} of every CPT cell (synthetic share per cell)."""
    return {part: f"results/mix/{LANG}/{cell_mixture(part)}/mix.json" for part in cpt_cell_paths()}


def corpus_set_names():
    """CPT corpus sets the grid uses, other than all (cpt.grid corpus)."""
    names = {cell["corpus"] for cell in grids.cpt_cells(config)}
    return sorted(names - {grids.ALL_SOURCES})


def cell_mixture(cell):
    """The mixture path part a CPT cell trains on: the cell without its final seed=N part."""
    return str(Path(cell).parent)


def run_benchmark_files():
    """Benchmark files of this run's jobs only (a second config's jobs never enter its
    compute table)."""
    files = ["benchmarks/prepare_base_model.tsv"]
    files += [f"benchmarks/fetch_debian_package/{Path(p).stem}.tsv" for p in debian_metadata_files()]
    files += [f"benchmarks/load_source/{LANG}/{name}.tsv" for name in source_names()]
    files += [f"benchmarks/{rule}/{LANG}.tsv" for rule in ("clean_and_split", "data_card")]
    if config["synthetic"]["translation"]["enabled"]:
        files += [f"benchmarks/filter_synthetic/{LANG}.tsv"]
        files += translation_benchmarks()
    files += [path.replace("results/tokens/", "benchmarks/tokenize_corpus/", 1).removesuffix(".npy")
              + ".tsv" for c in corpora_for_mixing() for path in corpora.token_files(config, LANG, c)]
    for name in corpus_set_names():
        files += [f"benchmarks/select_corpus_set/{LANG}/{name}.tsv",
                  f"benchmarks/tokenize_corpus/{LANG}/real/corpus={name}.tsv"]
    files += [f"benchmarks/build_mixture/{LANG}/{part}.tsv" for part in mixture_paths()]
    for name in checkpoint_names():
        if name != "base":
            files.append(training_cell_dir(name, LANG).replace("results/", "benchmarks/", 1)
                         + ".tsv")
    files += [f"benchmarks/eval_checkpoint/{LANG}/{name}.tsv" for name in checkpoint_names()]
    for name in reference_models.reference_names(config):
        files += [f"benchmarks/prepare_reference_model/{name.partition('/')[2]}.tsv",
                  f"benchmarks/eval_checkpoint/{LANG}/{name}.tsv"]
    return files


def final_targets():
    return (data_targets() + training_targets() + eval_targets() + paper_targets()
            + vocabulary_targets() + layer_alignment_targets())


def stage_targets():
    """{Snakefile target: its inputs}: all, and each stage's outputs (cpt, sft,
    dpo, eval, paper; export, not part of all: a merged copy and a PEFT adapter export of
    every SFT and DPO cell)."""
    return {
        "all": final_targets(),
        "cpt": [f"results/cpt/{LANG}/{cell}/model" for cell in cpt_cell_paths()],
        "sft": [f"results/sft/{LANG}/{cell}/model" for cell in sft_cell_paths()],
        "dpo": [f"results/dpo/{LANG}/{cell}/model" for cell in dpo_cell_paths()],
        "eval": eval_targets(),
        "paper": paper_targets(),
        "export": [f"results/{stage}/{LANG}/{cell}/{export}"
                   for stage, cells in (("sft", sft_cell_paths()), ("dpo", dpo_cell_paths()))
                   for cell in cells for export in ("merged", "adapter_export")],
    }


# ---- data stage (rules/data.smk) ----------------------------------------------------------


def source_names():
    """Names of the configured sources, in config order."""
    return [source["name"] for source in config["sources"]]


def source_files(wildcards):
    """{source name: cached JSONL} for the language in wildcards.lang (checks it is configured)."""
    from langadapt.sources import check_language

    check_language(config, wildcards.lang)
    return {name: f"results/data/{wildcards.lang}/sources/{name}.jsonl"
            for name in corpora.target_sources(config)}


def source_inputs(wildcards):
    """Files source wildcards.source reads: extracted Debian packages, or its local files."""
    from langadapt.sources import check_language, source_config

    check_language(config, wildcards.lang)
    source, _ = source_config(config, wildcards.source)
    if wildcards.source not in plan_check_sources():  # large sources wait for the size check
        # ancient: a rerun of the cheap check never reloads a large source
        plan = ancient(f"results/data/{wildcards.lang}/plan_check.json")
        return {"plan": plan, **_source_files(source)}
    return _source_files(source)


def _source_files(source):
    if source["type"] == "libreoffice_help":
        return {
            "package": f"results/data/debian/{source['package']}",
            "english_package": f"results/data/debian/{source['english_package']}",
        }
    if source["type"] == "local":
        paths = {"path": source["path"]}
        if source.get("english_path"):
            paths["english_path"] = source["english_path"]
        return paths
    return {}  # hf_dataset: read by datasets (hub or local files), not tracked as inputs


def source_params(wildcards):
    """The source's config block (a change reruns the source); not its shard count, which only
    changes the shard jobs downstream."""
    from langadapt.sources import source_config

    block = source_config(config, wildcards.source)[0]
    return {key: value for key, value in block.items() if key != "shards"}


def debian_metadata_files():
    """{package}.json of every Debian package a libreoffice_help source uses."""
    packages = []
    for source in config["sources"]:
        if source["type"] == "libreoffice_help":
            for package in (source["package"], source["english_package"]):
                if package not in packages:
                    packages.append(package)
    return [f"results/data/debian/{package}.json" for package in packages]


def data_card_inputs(wildcards):
    """Inputs of the data card: clean splits, report, base tokenizer, provenance, filter report."""
    from langadapt.sources import check_language

    check_language(config, wildcards.lang)
    clean = f"results/data/{wildcards.lang}/clean"
    inputs = {split: f"{clean}/{split}.jsonl" for split in ("train", "dev", "test")}
    inputs["report"] = f"{clean}/report.json"
    inputs["tokenizer"] = "results/models/base"
    inputs["debian"] = debian_metadata_files()
    if "mt" in corpora.corpus_plan(config, wildcards.lang):
        inputs["filter_report"] = f"results/data/{wildcards.lang}/synthetic/mt.filter_report.json"
    return inputs


# ---- training stages (rules/cpt.smk, sft.smk, dpo.smk) ---------------------------------


def resume_checkpoint_dir(wildcards, output):
    """Resumable trainer checkpoints of a training cell: results/checkpoints/<stage>/<lang>/<cell>.

    Mirrors the cell's output directory but is not an output, so a failed or killed job keeps it.
    """
    return str(Path(output.model).parent).replace("results/", "results/checkpoints/", 1)


def cpt_dev_split(wildcards):
    """The held-out dev split a CPT cell evaluates on (tracking.eval_steps > 0), else none."""
    if config["tracking"]["eval_steps"] > 0:
        return f"results/data/{wildcards.lang}/clean/dev.jsonl"
    return []


def training_job_resources(stage):
    """GPU (and, with <stage>.nodes > 1, multi-node) resources of a training rule: per-node
    GPUs, one task per node, unwrapped by the SLURM jobstep (langadapt.train.launch)."""
    return slurm_job_resources(config[stage]["gpus"], config[stage]["nodes"])


def sft_init_model_dir(wildcards):
    """Model an SFT cell starts from: the base model (init=base) or the chosen CPT cell."""
    if wildcards.init == "base":
        return "results/models/base"
    return f"results/cpt/{wildcards.lang}/{sft_init_cpt_path()}/model"


def translation_examples_needed():
    """Largest translation-task set any SFT cell uses (smaller sets are its prefixes)."""
    return max(int(cell["translation_examples"]) for cell in grids.sft_cells(config))


# The keys of synthetic.translation that decide how a text is translated: the params of the
# instruction and preference sets (the CPT corpus's sample size, seed and source are not theirs).
MT_BACKEND_KEYS = ("enabled", "backend", "apertium_pair", "model", "source_lang_code",
                   "target_lang_code", "batch_size", "max_new_tokens", "max_segment_chars")


def mt_backend_spec():
    """synthetic.translation cut to MT_BACKEND_KEYS."""
    return {key: config["synthetic"]["translation"][key] for key in MT_BACKEND_KEYS}


def machine_translation_available(stage):
    """Input function (no files) of the instruction/preference rules: while the plan is made,
    stop a set that needs machine translation when the config turned it off."""
    from langadapt.runnable import check_instruction_translation

    def check(wildcards):
        check_instruction_translation(config, stage, getattr(wildcards, "instr", None))
        return []

    return check
# ---- recipe plan (langadapt.corpora, langadapt.feasibility) ---------------------------------


def plan_check_sources():
    """Parallel sources the plan check reads (small; every other source waits for the check)."""
    from langadapt.feasibility import parallel_sources

    return parallel_sources(config)


def plan_requests():
    """The requested sizes plan_check compares with the sources (its params: changing one of
    them reruns the check, changing anything else does not)."""
    from langadapt.feasibility import mixture_takes

    return {
        "split": config["split"],
        "translation_examples": max((int(cell["translation_examples"])
                                     for cell in grids.sft_cells(config)), default=0),
        "sft_parts": config["sft"]["parts"],
        "dpo_parts": config["dpo"]["parts"] if config["dpo"].get("enabled", True) else [],
        "mixture": mixture_takes(config),  # what the cells take and the MT produces
    }


def plan_check_inputs(wildcards):
    return {name: f"results/data/{wildcards.lang}/sources/{name}.jsonl"
            for name in plan_check_sources()}


def translation_input(wildcards):
    """English JSONL the synthetic mt corpus translates (synthetic.translation.english_source)."""
    spec = config["synthetic"]["translation"]
    return corpora.english_file(config, wildcards.lang, spec["english_source"])


def translit_input(wildcards):
    return corpora.translit_input(config, wildcards.lang, wildcards.corpus)[0]


def translit_corpora():
    """Transliterated corpora this config defines (translit, translit_mt)."""
    return [name for name in corpora.corpus_plan(config, LANG) if name.startswith("translit")]


# Evaluation inputs (rules/eval.smk).


def out_of_domain_inputs(wildcards):
    """Extracted Debian packages of the out-of-domain text (none when it is disabled)."""
    spec = config["evaluation"]["out_of_domain"]
    if not spec["enabled"]:
        return {}
    return {"package": f"results/data/debian/{spec['package']}",
            "english_package": f"results/data/debian/{spec['english_package']}"}


def out_of_domain_text(wildcards):
    return ([f"results/eval_data/{wildcards.lang}/out_of_domain.jsonl"]
            if config["evaluation"]["out_of_domain"]["enabled"] else [])


def ood_translation_pairs(wildcards):
    """The out-of-domain translation pairs, when out-of-domain text is on and asked for."""
    spec = config["evaluation"]["out_of_domain"]
    return ([f"results/eval_data/{wildcards.lang}/translation_ood.jsonl"]
            if spec["enabled"] and spec["translation_sentences"] else [])


def eval_checkpoint_inputs(wildcards):
    """Model and the held-out data of the suites the checkpoint's stage runs (evaluation.suites)."""
    from langadapt.eval.plan import stage_suites

    suites = stage_suites(config, wildcards.checkpoint.split("/")[0])
    data = f"results/eval_data/{wildcards.lang}"
    inputs = {"model": checkpoint_model_dir(wildcards)}
    if "bpc" in suites:
        inputs["bpc_text"] = f"{data}/bpc.json"
    if "translation" in suites:
        inputs["pairs"] = f"{data}/translation.jsonl"
        inputs.update({"pairs_ood": path for path in ood_translation_pairs(wildcards)})
    if "multiple_choice" in suites:
        task = multiple_choice_task_name(wildcards.lang)
        inputs["task"] = f"{data}/lm_eval/{task}.yaml"
    if "instructions" in suites:
        inputs["instructions"] = f"{data}/instructions.jsonl"
    return inputs


# Vocabulary extension (rules/vocab.smk).


def vocab_grid_key(vocab):
    """The cpt.grid entry key that asks for ``vocab`` new tokens (named in errors)."""
    for index, entry in enumerate(config["cpt"]["grid"]):
        if int(vocab) in [int(value) for value in entry.get("vocab_extension", [0])]:
            return f"cpt.grid[{index}].vocab_extension"
    return "sft.cpt_cell.vocab_extension"


def extended_mixture_token_files(wildcards):
    """build_mixture's inputs, tokenised with the extended tokenizer of wildcards.vocab."""
    base = f"results/tokens/{wildcards.lang}/"
    return {name: [path.replace(base, f"{base}vocab={wildcards.vocab}/", 1) for path in paths]
            for name, paths in mixture_token_files(wildcards).items()}


def cpt_checkpoint_names():
    return [f"cpt/{part}" for part in cpt_cell_paths()]


def throughput_inputs(wildcards):
    """Model and held-out text; for a CPT cell also its train log and mixture."""
    inputs = {"model": checkpoint_model_dir(wildcards),
              "test": f"results/data/{wildcards.lang}/clean/test.jsonl"}
    if wildcards.checkpoint.startswith("cpt/"):
        cell = wildcards.checkpoint.removeprefix("cpt/")
        inputs["train_log"] = f"results/cpt/{wildcards.lang}/{cell}/train_log.csv"
        inputs["mixture"] = f"results/mix/{wildcards.lang}/{cell_mixture(cell)}/mix.json"
    return inputs


def vocabulary_sizes():
    """Added-token counts of every CPT cell, 0 (the base tokenizer) first."""
    return sorted({0} | {int(cell["vocab_extension"]) for cell in grids.cpt_cells(config)})


def vocabulary_tokenizers():
    return {size: f"results/vocab/{LANG}/vocab={size}/model" if size else "results/models/base"
            for size in vocabulary_sizes()}


def vocabulary_targets():
    """The vocabulary table and figure; none when no CPT cell extends the vocabulary."""
    if vocabulary_sizes() == [0]:
        return []
    return [f"{PAPER_DIR}/tables/vocabulary.{ext}" for ext in ("md", "tex", "csv")] + [
        f"{PAPER_DIR}/figures/vocabulary.{ext}" for ext in ("pdf", "png")]


# --- Data at scale (issue 21): corpus shards. A source's `shards` splits the corpora built from
# it into contiguous shards (langadapt.shards: rule shard_corpus), each transliterated and
# tokenised by its own job; build_mixture gathers them (mixture_token_files above). With
# shards: 1 (the default) none of these jobs exist.


def translit_shard_input(wildcards):
    """Shard of the corpus (real or mt) that transliterated shard wildcards.corpus romanises."""
    source = "mt" if wildcards.corpus == "translit_mt" else "real"
    label = f"{wildcards.shard}-of-{wildcards.shards}"
    return corpora.shard_text_file(wildcards.lang, source, label)


def shard_corpus_input(wildcards):
    """The whole JSONL a shard is cut from: a corpus's file, or the English sample (mt_source)."""
    if wildcards.corpus == "mt_source":
        return f"results/data/{wildcards.lang}/synthetic/mt.source.jsonl"
    return corpus_text_file(wildcards)


def mt_translation_files(wildcards):
    """Raw MT output that filter_synthetic reads: mt.jsonl, or one file per translated shard."""
    shards = corpora.corpus_shards(config, "mt")
    if shards == 1:
        return [f"results/data/{wildcards.lang}/synthetic/mt.jsonl"]
    return [f"results/data/{wildcards.lang}/shards/mt_raw/{shard}-of-{shards}.jsonl"
            for shard in range(shards)]


def translation_gpus():
    """GPUs of a job that machine-translates (a translation shard, the instruction sets):
    1 for a neural backend, 0 for Apertium or without translation."""
    spec = config["synthetic"]["translation"]
    return 0 if spec["backend"] == "apertium" or not spec["enabled"] else 1


def translation_benchmarks():
    """Benchmark files of the translate_english job(s) of this run: one, or one a shard."""
    shards = corpora.corpus_shards(config, "mt")
    if shards == 1:
        return [f"benchmarks/translate_english/{LANG}.tsv"]
    return [f"benchmarks/translate_english/{LANG}/{shard}-of-{shards}.tsv"
            for shard in range(shards)]
