# The run's config, read once before any language's rules: a --configfile replaces config.yaml.
import copy
import sys

sys.path.insert(0, f"{workflow.basedir}/scripts")

from langadapt.config import read_config_file
from langadapt.languages import language_configs, module_name, multilingual_run_name

for config_path in workflow.overwrite_configfiles or workflow.configfiles:
    read_config_file(config_path)  # a key given twice stops the run, naming file and line
if workflow.overwrite_configfiles:
    # A --configfile is a whole experiment: it replaces config.yaml instead of being merged
    # into it (Snakemake merges by default, which leaks the default's recipe keys into paper
    # runs). --config KEY=VALUE still applies on top; missing keys come from the schema.
    config.clear()
    config.update(copy.deepcopy(workflow.config_settings.overwrite_config))

# Several target languages (config `languages`): {code: that language's config}; {} for one.
LANGUAGE_CONFIGS = {}
if config.get("languages"):
    MULTILINGUAL_RUN = multilingual_run_name(config, workflow.overwrite_configfiles
                                             or ["config.yaml"])
    LANGUAGE_CONFIGS = language_configs(config, MULTILINGUAL_RUN)


def language_stage_targets():
    """{Snakefile target: its inputs} with several languages (rules/languages.smk):
    every language's, and the cross-language table in all and paper."""
    targets = {}
    for namespace in LANGUAGE_MODULES.values():
        for target, files in namespace.stage_targets().items():
            targets.setdefault(target, []).extend(files)
    targets["sft"] += JOINT_MODELS
    targets["all"] += LANGUAGE_TABLES
    targets["paper"] += LANGUAGE_TABLES
    return targets

