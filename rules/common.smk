# Input functions and grids only: every target list of the workflow is built here.
import copy
import sys
from pathlib import Path

sys.path.insert(0, f"{workflow.basedir}/scripts")

from langadapt import corpora, grids
from langadapt.config import read_config_file, validate_config
from langadapt.paper.run import run_name
from langadapt.instructions import help_section_counts
from langadapt.train.launch import slurm_job_resources

for config_path in workflow.overwrite_configfiles or workflow.configfiles:
    read_config_file(config_path)  # a key given twice stops the run, naming file and line
if workflow.overwrite_configfiles:
    # A --configfile is a whole experiment: it replaces config.yaml instead of being merged
    # into it (Snakemake merges by default, which leaks the default's recipe keys into paper
    # runs). --config KEY=VALUE still applies on top; missing keys come from the schema.
    config.clear()
    config.update(copy.deepcopy(workflow.config_settings.overwrite_config))
validate_config(config)

LANG = config["language"]["code"]
# Paper outputs of this run live in results/paper/{RUN}/ (config run_name; default <lang>-<stem>).
RUN = run_name(config, workflow.overwrite_configfiles or ["config.yaml"])
# Priority of the jobs on the way to the last checkpoint (synthetic data, tokens, mixture,
# CPT, SFT, DPO) over evaluations, which only the paper stage waits for: a 2-core run then
# keeps both cores busy to the end instead of evaluating early and training last, alone.
TRAINING_CHAIN_PRIORITY = 10


wildcard_constraints:
    lang="[a-z]{2,3}",
    ratio="[0-9.]+",
    tokens="[0-9.]+[kKmMbB]?",
    synth="[0-9.]+",
    seed="[0-9]+",
    init="base|cpt",
    instr="mt|human",
    xlate="[0-9]+",
    # SFT translation-direction path part: empty at sft.translation_direction, else /dir=xx-en
    dirpart="(/dir=(en-xx|xx-en|both))?",
    split="train|dev|test",
    checkpoint="base|(cpt|sft|dpo)/[^ ]+",


def cpt_cell_paths():
    """Path parts of every CPT grid cell: ratio=0.8/tokens=12k/synth=1.0/seed=1."""
    return [grids.cell_path(cell, grids.CPT_AXES) for cell in grids.cpt_cells(config)]


def sft_cell_paths():
    """Path parts of every SFT grid cell: init=cpt/instr=mt/xlate=128/seed=1
    (.../xlate=128/dir=xx-en/seed=1 off sft.translation_direction)."""
    return [grids.sft_cell_path(config, cell) for cell in grids.sft_cells(config)]


def dpo_cell_paths():
    """Path parts of every DPO cell (the SFT cell it aligns)."""
    return [grids.sft_cell_path(config, cell) for cell in grids.dpo_cells(config)]


def translation_direction(wildcards):
    """Direction of the translation-task set named by wildcards.dirpart ('' = the run's)."""
    return wildcards.dirpart.partition("=")[2] or config["sft"]["translation_direction"]


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


def checkpoint_names():
    """Every evaluated checkpoint: base, cpt/<cell>, sft/<cell>, dpo/<cell>."""
    return (
        ["base"]
        + [f"cpt/{part}" for part in cpt_cell_paths()]
        + [f"sft/{part}" for part in sft_cell_paths()]
        + [f"dpo/{part}" for part in dpo_cell_paths()]
    )


def checkpoint_model_dir(wildcards):
    """Model directory of the checkpoint named by wildcards.checkpoint."""
    if wildcards.checkpoint == "base":
        return "results/models/base"
    stage, cell = wildcards.checkpoint.split("/", 1)
    return f"results/{stage}/{wildcards.lang}/{cell}/model"


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
            stage, cell = name.split("/", 1)
            logs[name] = f"results/{stage}/{LANG}/{cell}/train_log.csv"
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
    """Named inputs of build_mixture: {corpus: ids .npy, corpus_stats: .json}."""
    files = {}
    for corpus in mixture_corpora(wildcards):
        files[corpus] = f"results/tokens/{wildcards.lang}/{corpus}.npy"
        files[f"{corpus}_stats"] = f"results/tokens/{wildcards.lang}/{corpus}.json"
    return files

def data_targets():
    return [
        f"results/data/{LANG}/plan_check.json",
        f"results/data/{LANG}/card.json",
        f"results/data/{LANG}/card.md",
    ] + [f"results/mix/{LANG}/{part}/packed.npy" for part in mixture_paths()]


def training_targets():
    return (
        [f"results/cpt/{LANG}/{part}/model" for part in cpt_cell_paths()]
        + [f"results/sft/{LANG}/{part}/model" for part in sft_cell_paths()]
        + [f"results/dpo/{LANG}/{part}/model" for part in dpo_cell_paths()]
    )


def eval_targets():
    return [f"results/eval/{LANG}/{name}/metrics.json" for name in checkpoint_names()]


PAPER_TABLES = ["stages", "mixing_ratio", "synthetic", "instructions", "cpt"]
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


def publish_targets():
    """What `snakemake paper_publish` copies to docs/{RUN}/: Markdown tables, PNG figures,
    claims and compute (the README links docs/default-run/stages.md)."""
    return ([f"docs/{RUN}/{name}.md" for name in PAPER_TABLES]
            + [f"docs/{RUN}/{name}.png" for name in PAPER_FIGURES]
            + [f"docs/{RUN}/claims.md", f"docs/{RUN}/compute.md"])


def eval_suite_files():
    """{checkpoint: {suite: json}} of this run: the per-item results the comparisons resample."""
    return {name: {suite: f"results/eval/{LANG}/{name}/{suite}.json"
                   for suite in ("bpc", "translation", "lm_eval", "instructions")}
            for name in checkpoint_names()}


def mixture_infos():
    """{cpt cell path: mix.json} of every CPT cell (synthetic share per cell)."""
    return {part: f"results/mix/{LANG}/{cell_mixture(part)}/mix.json" for part in cpt_cell_paths()}


def cell_mixture(cell):
    """The mixture path part a CPT cell trains on: the cell without its final seed=N part."""
    return str(Path(cell).parent)


def stage_and_cell(name):
    """("cpt", "ratio=0.8/tokens=8k/synth=0.0/seed=1") of a checkpoint name."""
    stage, *cell = Path(name).parts
    return stage, str(Path(*cell))


def run_benchmark_files():
    """Benchmark files of this run's jobs only (a second config's jobs never enter its
    compute table)."""
    files = ["benchmarks/prepare_base_model.tsv"]
    files += [f"benchmarks/fetch_debian_package/{Path(p).stem}.tsv" for p in debian_metadata_files()]
    files += [f"benchmarks/load_source/{LANG}/{name}.tsv" for name in source_names()]
    files += [f"benchmarks/{rule}/{LANG}.tsv" for rule in ("clean_and_split", "data_card")]
    if config["synthetic"]["translation"]["enabled"]:
        files += [f"benchmarks/{rule}/{LANG}.tsv" for rule in ("translate_english",
                                                                "filter_synthetic")]
    files += [f"benchmarks/tokenize_corpus/{LANG}/{c}.tsv" for c in corpora_for_mixing()]
    files += [f"benchmarks/build_mixture/{LANG}/{part}.tsv" for part in mixture_paths()]
    for name in checkpoint_names():
        if name != "base":
            stage, cell = stage_and_cell(name)
            files.append(f"benchmarks/{stage}/{LANG}/{cell}.tsv")
    files += [f"benchmarks/eval_checkpoint/{LANG}/{name}.tsv" for name in checkpoint_names()]
    return files


def final_targets():
    return data_targets() + training_targets() + eval_targets() + paper_targets() + vocabulary_targets()


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
    """The source's config block (a change reruns the source)."""
    from langadapt.sources import source_config

    return source_config(config, wildcards.source)[0]


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
    return {
        "split": config["split"],
        "translation_examples": max((int(cell["translation_examples"])
                                     for cell in grids.sft_cells(config)), default=0),
        "sft_parts": config["sft"]["parts"],
        "dpo_parts": config["dpo"]["parts"] if config["dpo"].get("enabled", True) else [],
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
    return {name: path.replace(base, f"{base}vocab={wildcards.vocab}/", 1)
            for name, path in mixture_token_files(wildcards).items()}


def cpt_checkpoint_names():
    return [f"cpt/{part}" for part in cpt_cell_paths()]


def throughput_inputs(wildcards):
    """Model and held-out text; for a CPT cell also its train log and packed mixture."""
    inputs = {"model": checkpoint_model_dir(wildcards),
              "test": f"results/data/{wildcards.lang}/clean/test.jsonl"}
    if wildcards.checkpoint.startswith("cpt/"):
        cell = wildcards.checkpoint.removeprefix("cpt/")
        inputs["train_log"] = f"results/cpt/{wildcards.lang}/{cell}/train_log.csv"
        inputs["packed"] = f"results/mix/{wildcards.lang}/{cell_mixture(cell)}/packed.npy"
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
