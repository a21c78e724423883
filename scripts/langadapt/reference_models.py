"""Outside reference models (``evaluation.reference_models``): evaluated on the run's suites
like a checkpoint (name ``reference/<name>``) and shown as reference rows, never as arms.

Each entry names a hub id (``hub_id``, optional ``revision``) or a local model directory
(``path``); it is materialised once as ``results/models/reference/<name>`` by the same code that
prepares the base model, so the evaluation sees one kind of directory.
"""

from pathlib import Path

from langadapt.errors import LangadaptError, config_error

STAGE = "reference"


def _key(index: int, field: str | None = None) -> str:
    return f"evaluation.reference_models[{index}]" + (f".{field}" if field else "")


def check_reference_models(config: dict) -> list[dict]:
    """The configured reference models; stops at plan time naming the key of a duplicate name,
    an entry without exactly one of ``path``/``hub_id``, or a local directory that is not a
    loadable model."""
    from langadapt.modeling import check_model_dir

    entries = config["evaluation"].get("reference_models") or []
    names = [entry["name"] for entry in entries]
    for index, entry in enumerate(entries):
        if names.index(entry["name"]) != index:
            raise config_error(_key(index, "name"), f"duplicate reference model '{entry['name']}'")
        if bool(entry.get("path")) == bool(entry.get("hub_id")):
            raise config_error(_key(index), "give exactly one of path (a local model directory) "
                                            "or hub_id")
        if entry.get("path"):
            try:
                check_model_dir(entry["path"])
            except LangadaptError as error:
                raise config_error(_key(index, "path"), f"cannot be loaded: {error}") from None
    return entries


def reference_names(config: dict) -> list[str]:
    """Checkpoint names of the reference models: ``reference/<name>``."""
    return [f"{STAGE}/{entry['name']}" for entry in config["evaluation"].get("reference_models")
            or []]


def base_model_spec(entry: dict) -> dict:
    """The entry as a ``base_model`` block (``langadapt.modeling.prepare_base_model``)."""
    common = {"dtype": entry.get("dtype", "float32"), "trust_remote_code": False}
    if entry.get("path"):
        return {"kind": "local", "path": str(Path(entry["path"])), **common}
    return {"kind": "hub", "id": entry["hub_id"], "revision": entry.get("revision"), **common}


def prepare_reference_model(config: dict, name: str, out_dir) -> Path:
    """Rule prepare_reference_model: reference model ``name`` as a safetensors directory; a
    model that cannot be loaded stops naming its config key."""
    from langadapt.modeling import prepare_base_model

    entries = check_reference_models(config)
    index = [entry["name"] for entry in entries].index(name)
    field = "path" if entries[index].get("path") else "hub_id"
    try:
        return prepare_base_model(base_model_spec(entries[index]), out_dir)
    except LangadaptError as error:
        raise config_error(_key(index, field), f"cannot be loaded: {error}") from None
