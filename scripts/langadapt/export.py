"""Exports of an SFT/DPO cell others can load, and their opt-in upload to the hub.

``export_adapter`` writes the cell's LoRA adapter beside the exact weights it was trained on
(``<export>/base``: the stages under it merged, as the workflow's own loading merges them), and
points the adapter's ``base_model_name_or_path`` at that copy (``base``, relative to the export
folder), so plain PEFT loads the adapter onto the weights it was trained on, not onto the hub
base. ``push_export`` uploads an export when ``export.push_to_hub`` is on (off by default; the
token comes from ``HF_TOKEN`` or ``hf auth login``, never from the config).
"""

import json
import re
import shutil
import tempfile
from pathlib import Path

from langadapt.errors import config_error, file_error
from langadapt.modeling import ADAPTER_POINTER, adapter_base_dir, export_merged, is_adapter_dir

ADAPTER_FILES_LEFT_OUT = {ADAPTER_POINTER, "README.md"}  # the project's pointer, peft's stub card


def export_adapter(model_dir, out_dir) -> Path:
    """``out_dir/adapter`` (the adapter of ``model_dir``, tokenizer) and ``out_dir/base`` (the
    weights under it, merged), written atomically; ``adapter_config.json`` names ``base``."""
    model_dir, out_dir = Path(model_dir), Path(out_dir)
    if not is_adapter_dir(model_dir):
        raise file_error(model_dir / "adapter_config.json", "missing: not a LoRA adapter stage")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    export_merged(adapter_base_dir(model_dir), staging / "base")
    adapter = staging / "adapter"
    adapter.mkdir()
    for path in sorted(model_dir.iterdir()):
        if path.is_file() and path.name not in ADAPTER_FILES_LEFT_OUT:
            shutil.copy2(path, adapter / path.name)
    config = json.loads((adapter / "adapter_config.json").read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = "base"  # relative to the export folder
    (adapter / "adapter_config.json").write_text(json.dumps(config, indent=2) + "\n",
                                                  encoding="utf-8")
    staging.chmod(0o755)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    staging.rename(out_dir)
    return out_dir


def hub_repo_id(namespace: str, lang: str, stage: str, cell: str) -> str:
    """``<namespace>/langadapt-<lang>-<stage>-<cell>`` with the cell's path as a repo name."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"langadapt-{lang}-{stage}-{cell}").strip("-")
    return f"{namespace}/{name}"


def hub_target(export: dict, lang: str, stage: str, cell: str) -> str | None:
    """The repo an export goes to when the config's ``export.push_to_hub`` is on, else None."""
    if not export.get("push_to_hub", False):
        return None
    if not export.get("hub_namespace"):
        raise config_error("export.hub_namespace", "push_to_hub needs the hub user or "
                           "organisation to upload to")
    return hub_repo_id(export["hub_namespace"], lang, stage, cell)


def push_export(folder, repo_id: str, private: bool = True) -> list[str]:
    """Upload an export: a merged copy to ``repo_id``; an adapter export's ``base`` to
    ``<repo_id>-base`` and its ``adapter`` to ``repo_id`` with ``base_model_name_or_path``
    naming that repo. Returns the repo ids written."""
    from huggingface_hub import HfApi

    api = HfApi()
    folder = Path(folder)
    uploads = [(folder, repo_id, None)]
    if (folder / "adapter").is_dir():
        uploads = [(folder / "base", f"{repo_id}-base", None),
                   (folder / "adapter", repo_id, f"{repo_id}-base")]
    for path, repo, base_repo in uploads:
        try:
            api.create_repo(repo, private=private, exist_ok=True)
            with tempfile.TemporaryDirectory() as copy:
                if base_repo:  # the hub copy of the adapter names the hub copy of its base
                    path = Path(shutil.copytree(path, Path(copy) / path.name))
                    config = json.loads((path / "adapter_config.json").read_text())
                    config["base_model_name_or_path"] = base_repo
                    (path / "adapter_config.json").write_text(json.dumps(config, indent=2))
                api.upload_folder(repo_id=repo, folder_path=str(path),
                                  commit_message=f"langadapt export of {folder}")
        except Exception as error:  # huggingface_hub raises many types (auth, offline, HTTP)
            raise config_error("export.push_to_hub", f"uploading {path} to {repo} failed "
                               f"({type(error).__name__}: {error})") from None
    return [repo for _, repo, _ in uploads]
