"""Which evaluation suites each stage runs (``evaluation.suites``), checked while the plan is made.

A checkpoint runs only its stage's suites, so adding a suite to one stage does not add it to
all. Two mistakes stop the run before any job starts, naming the config key:

- a suite asked for at a stage whose held-out data is absent (``held_out_data_check``),
- a paper output (table, figure, claim) that reads a suite the config does not run at a stage
  this run has checkpoints of (``paper_needs_check``).
"""

from langadapt.errors import config_error

STAGES = ("base", "cpt", "sft", "dpo")
# Suite name in the config -> its JSON beside metrics.json (results/eval/{lang}/{checkpoint}/).
SUITE_FILES = {"bpc": "bpc", "translation": "translation", "multiple_choice": "lm_eval",
               "instructions": "instructions"}
# Suite -> the evaluation key whose held-out data it reads (0: none built).
HELD_OUT_SIZE = {"instructions": "instruction_prompts"}
# (paper output, stage, suite): what the figures and tables of rules/paper.smk always read.
PAPER_NEEDS = [
    ("figure forgetting, table mixing_ratio (bits per char)", "base", "bpc"),
    ("figure forgetting, table mixing_ratio (bits per char)", "cpt", "bpc"),
    ("figure scaling (chrF++ / BLEU)", "sft", "translation"),
]
# Claim comparison marker (paper.claims.<id>.comparison) -> the stage whose arms it compares.
CLAIM_STAGES = {"c": "cpt", "s": "cpt", "i": "sft", "h": "sft", "d": "sft", "scaling": "sft"}
# Metric column prefix -> the suite that writes it.
METRIC_SUITES = (("bpc_", "bpc"), ("chrf", "translation"), ("bleu", "translation"),
                 ("spbleu", "translation"), ("comet", "translation"),
                 ("if_", "instructions"), ("mc_", "multiple_choice"))


def _suite_of(metric: str) -> str | None:
    return next((suite for prefix, suite in METRIC_SUITES if metric.startswith(prefix)), None)


def claim_needs(config: dict) -> list[tuple[str, str, str]]:
    """(claim, stage, suite) of every metric the configured claims read (paper.claims)."""
    needs = []
    for claim, spec in config.get("paper", {}).get("claims", {}).items():
        stage = CLAIM_STAGES.get(spec["comparison"])
        metrics = [spec["metric"], *(extra["metric"] for extra in spec.get("secondary", []))]
        if spec["comparison"] == "scaling":
            metrics = [config["paper"].get("scaling_metric", "chrf++")]
        for metric in metrics:
            suite = _suite_of(metric)
            if stage and suite:
                needs.append((f"claim {claim} ({metric})", stage, suite))
    return needs


def stage_suites(config: dict, stage: str) -> list[str]:
    """Suites the checkpoints of ``stage`` run (``evaluation.suites.<stage>``); outside reference
    models (stage ``reference``) run the base model's, joint SFT cells (stage ``joint``, several
    languages) the SFT cells'."""
    stage = {"reference": "base", "joint": "sft"}.get(stage, stage)
    return list(config["evaluation"]["suites"][stage])


def checkpoint_outputs(config: dict, stage: str) -> dict[str, str]:
    """Named outputs of one stage's evaluation rule: {suite JSON name: path pattern}, the
    manual sheet when the instruction suite runs, and ``metrics`` (patterns keep ``{lang}`` and
    ``{checkpoint}``)."""
    folder = "results/eval/{lang}/{checkpoint}"
    outputs = {SUITE_FILES[suite]: f"{folder}/{SUITE_FILES[suite]}.json"
               for suite in stage_suites(config, stage)}
    if "instructions" in outputs:
        outputs["sheet"] = f"{folder}/manual_sheet.csv"
    return {**outputs, "metrics": f"{folder}/metrics.json"}


def held_out_data_check(config: dict) -> None:
    """A suite asked for at a stage whose held-out data the config leaves empty stops the run."""
    evaluation = config["evaluation"]
    for stage in STAGES:
        for suite in stage_suites(config, stage):
            key = HELD_OUT_SIZE.get(suite)
            if key and not evaluation[key]:
                raise config_error(f"evaluation.suites.{stage}",
                                   f"asks for {suite}, but evaluation.{key} is 0: there is no "
                                   f"held-out data for it (raise evaluation.{key} or drop "
                                   f"{suite} from evaluation.suites.{stage})")


def paper_needs_check(config: dict, stages_present: list[str]) -> None:
    """A paper output that reads a suite not run at a stage this run evaluates stops the run."""
    for output, stage, suite in PAPER_NEEDS + claim_needs(config):
        if stage in stages_present and suite not in stage_suites(config, stage):
            raise config_error(f"evaluation.suites.{stage}",
                               f"{output} reads the {suite} suite of {stage} checkpoints; add "
                               f"{suite} to evaluation.suites.{stage}")
