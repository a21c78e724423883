"""The name of a run, which keys every paper output (``results/paper/{run}/``)."""

from pathlib import Path


def run_name(config: dict, configfiles) -> str:
    """``config['run_name']``, else ``<language code>-<stem of the last config file>``."""
    if config.get("run_name"):
        return str(config["run_name"])
    stem = Path(str(list(configfiles)[-1])).stem if configfiles else "config"
    return f"{config['language']['code']}-{stem}"
