"""COMET (optional; x-LLaMA reported it beside spBLEU): a neural MT metric from a local model.

``evaluation.comet_model`` names a local COMET checkpoint (a ``.ckpt`` file, or a model
directory holding ``checkpoints/model.ckpt`` as the hub snapshots do). Loading needs the
``unbabel-comet`` package, which is not a dependency of this project (it pins its own torch and
lightning); install it where COMET is wanted. Not runnable on the offline CI machine (no COMET
model can be had there): the tests run this code path on a stand-in model object with the same
``predict`` interface.
"""

from pathlib import Path

from langadapt import modeling
from langadapt.errors import config_error


def checkpoint_file(path) -> Path:
    path = Path(path)
    if path.is_dir():
        path = path / "checkpoints" / "model.ckpt"
    if not path.is_file():
        raise config_error("evaluation.comet_model", f"{path}: no COMET checkpoint (model.ckpt)")
    return path


def load_comet(path):
    """The COMET model at ``path`` (``comet.load_from_checkpoint``)."""
    checkpoint = checkpoint_file(path)
    try:
        from comet import load_from_checkpoint
    except ImportError as error:
        raise config_error("evaluation.comet_model", "COMET needs the unbabel-comet package "
                           "(pip install unbabel-comet); set comet_model: null to skip "
                           "COMET") from error
    return load_from_checkpoint(str(checkpoint))


def comet_score(model, sources: list[str], hypotheses: list[str], references: list[str],
                batch_size: int = 8) -> dict:
    """System COMET x 100 (as papers report it) and the per-segment scores, on the job's
    device (``modeling.model_device()``: one GPU when the job has one, else the CPU)."""
    data = [{"src": s, "mt": h, "ref": r}
            for s, h, r in zip(sources, hypotheses, references, strict=True)]
    gpus = 1 if modeling.model_device().type == "cuda" else 0
    output = model.predict(data, batch_size=batch_size, gpus=gpus, progress_bar=False)
    return {"score": 100.0 * float(output.system_score),
            "segments": [round(float(value), 6) for value in output.scores],
            "signature": f"comet:{getattr(model, 'hparams', {}).get('pretrained_model', 'model')}"}
