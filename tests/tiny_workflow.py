"""A copy of the repository configured to run the real workflow in seconds.

``make_project(dest, model_dir)`` copies the workflow (Snakefile, rules, scripts, schemas,
profiles) to ``dest`` and writes a ``config.yaml`` that keeps every stage but uses the tiny
test model as a ``local`` base model and the LibreOffice help sample (``tests/fixtures/lohelp``,
placed where ``fetch_debian_package`` extracts packages, so no download) as source.
``snakemake(...)`` runs it offline; ``start_snakemake`` starts it in its own process group so a
test can SIGKILL the whole job tree.
"""

import base64
import copy
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
CHAT_MESSAGES = FIXTURES / "chat_messages.jsonl"  # conversations for the SFT sets' chat part
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
# A fake hub token: it must never show up in a log or output (safety defaults).
FAKE_TOKEN = "hf_langadaptFaultSuite0123456789abcdefXYZ"
CPT_CELL = {"mixing_ratio": 0.8, "token_budget": "8k", "synthetic_weight": 1.0, "seed": 1}
CPT_CELL_PATH = "ratio=0.8/tokens=8k/synth=1.0/seed=1"
# The LibreOffice help sample in tests/fixtures/lohelp, laid out as extracted Debian packages
# (ca: a second language, trees ca and ca-valencia, for the runs with several languages).
HELP_PACKAGES = {"gl": "libreoffice-help-gl", "en-us": "libreoffice-help-en-us",
                 "ca": "libreoffice-help-ca"}
WORKFLOW_PARTS = ("Snakefile", "rules", "scripts", "schemas", "profiles", "envs")
# Firefox UI strings (tests/fixtures/mozilla_l10n), zipped into langpacks where
# fetch_debian_package would extract evaluation.out_of_domain's packages.
OOD_PACKAGES = {"gl": "firefox-esr-l10n-gl", "en-GB": "firefox-esr-l10n-en-gb"}


REMOTE_CODE_MARKER = "REMOTE_CODE_RAN"
TRAP_MODULE = '''"""Stands in for model code from a hub repository: it must never run by default."""
from pathlib import Path

Path({marker!r}).write_text("remote code ran\\n")

from transformers import LlamaForCausalLM


class TrapForCausalLM(LlamaForCausalLM):
    pass
'''


def make_trapped_model(model_dir, dest) -> Path:
    """``dest/model``: the model with an ``auto_map`` to custom code that writes
    ``dest/REMOTE_CODE_RAN`` if it ever runs."""
    model = Path(shutil.copytree(model_dir, Path(dest) / "model"))
    marker = model.parent / REMOTE_CODE_MARKER
    (model / "trap.py").write_text(TRAP_MODULE.format(marker=str(marker)))
    config = json.loads((model / "config.json").read_text())
    config["auto_map"] = {"AutoModelForCausalLM": "trap.TrapForCausalLM"}
    (model / "config.json").write_text(json.dumps(config, indent=2))
    return model


def write_langpack(tree, locale: str) -> Path:
    """An extracted langpack package: ``<tree>/.../langpack-<locale>.xpi`` of the fixture .ftl."""
    import zipfile

    source = FIXTURES / "mozilla_l10n" / locale
    xpi = Path(tree) / "usr/lib/firefox-esr/browser/extensions" / f"langpack-{locale}.xpi"
    xpi.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(xpi, "w") as archive:
        for path in sorted(source.rglob("*.ftl")):
            archive.write(path, f"localization/{locale}/{path.relative_to(source)}")
    return xpi


def tiny_config(model_dir, apertium: bool | None = None) -> dict:
    """The repository's config.yaml scaled down: same stages and recipes, tiny data and model."""
    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    if apertium is None:
        apertium = shutil.which("apertium") is not None
    config["sources"] = [
        {
            "name": "lohelp",
            "type": "libreoffice_help",
            "package": HELP_PACKAGES["gl"],
            "english_package": HELP_PACKAGES["en-us"],
        }
    ]
    config["split"] = {"test_groups": ["smath"], "dev_groups": ["sdraw"], "max_test_pairs": 20}
    translation = config["synthetic"]["translation"]
    translation.update(enabled=apertium, max_sentences=60)
    config["synthetic"]["filters"].update(perplexity_max_lines=60)
    config["base_model"] = {"kind": "local", "path": str(model_dir)}
    config["mixture"]["seq_len"] = 32
    config["cpt"]["grid"] = [{key: [value] for key, value in CPT_CELL.items()}]
    config["cpt"]["recipe"].update(
        per_device_train_batch_size=4, save_steps=5, bf16=False, learning_rate=1.0e-3
    )
    config["sft"]["cpt_cell"] = dict(CPT_CELL)
    config["sft"]["general_examples"] = 4
    # the help instructions (the cell's mt/human arm) and a chat dataset in the messages format
    # (multi-turn, system turns, OpenAI and ShareGPT keys) in every SFT set
    config["sft"]["parts"] = [
        {"name": "general", "treatment": "cell", "examples": 4},
        {"name": "chat", "treatment": "as_is", "examples": 3,
         "dataset": {"path": "json", "data_files": str(CHAT_MESSAGES),
                     "messages_field": "messages"}},
    ]
    config["sft"]["grid"] = [
        {"init": ["cpt"], "instructions": ["mt"], "translation_examples": [8], "seed": [1]}
    ]
    config["sft"]["recipe"].update(max_length=64, lora_r=4, lora_alpha=8, bf16=False)
    config["dpo"]["preference_pairs"] = 4
    config["dpo"]["grid"] = [
        {"init": ["cpt"], "instructions": ["mt"], "translation_examples": [8], "seed": [1]}
    ]
    config["dpo"]["recipe"].update(max_length=64, lora_r=4, lora_alpha=8, bf16=False)
    config["evaluation"].update(
        bpc_chars=500,
        translation_sentences=4,
        max_new_tokens=8,
        multiple_choice_items=8,
        instruction_prompts=4,
        bootstrap_resamples=20,
    )
    return config


def make_project(dest, model_dir, config: dict | None = None) -> Path:
    """A runnable copy of the workflow in ``dest`` with the tiny config."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for part in WORKFLOW_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, dest / part)
    debian = dest / "results" / "data" / "debian"
    for tree, package in HELP_PACKAGES.items():  # as fetch_debian_package leaves them, offline
        shutil.copytree(FIXTURES / "lohelp" / tree, debian / package)
        digest = hashlib.sha256()
        for path in sorted((FIXTURES / "lohelp" / tree).rglob("*")):
            if path.is_file():
                digest.update(path.read_bytes())
        metadata = {"package": package, "version": "fixture", "sha256": digest.hexdigest()}
        (debian / f"{package}.json").write_text(json.dumps(metadata) + "\n", encoding="utf-8")
    for locale, package in OOD_PACKAGES.items():
        write_langpack(debian / package, locale)
        metadata = {"package": package, "version": "fixture", "sha256": "fixture"}
        (debian / f"{package}.json").write_text(json.dumps(metadata) + "\n", encoding="utf-8")
    write_config(dest, config or tiny_config(model_dir))
    return dest


def shared_dir(tmp_path_factory) -> Path:
    """The temporary directory every pytest-xdist worker of this test session shares."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(root, name: str, build) -> Path:
    """``build(root / name)`` once per test session, by whichever worker asks first (a file
    lock); the others wait for it and get the same directory."""
    from filelock import FileLock

    target, done = Path(root) / name, Path(root) / f"{name}.done"
    with FileLock(str(Path(root) / f"{name}.lock")):
        if not done.exists():
            shutil.rmtree(target, ignore_errors=True)
            build(target)
            done.touch()
    return target


def copy_project(source, dest) -> Path:
    """A copy of a project that Snakemake sees as up to date (mtimes and .snakemake kept), for
    tests that change it: only what their change touches runs again."""
    return Path(shutil.copytree(source, dest, symlinks=True))


def write_config(project, config: dict, name: str = "config.yaml") -> Path:
    path = Path(project) / name
    path.write_text(yaml.safe_dump(copy.deepcopy(config), sort_keys=False), encoding="utf-8")
    return path


def environment(extra: dict | None = None, project=None) -> dict:
    """The job environment; with ``project``, its scripts/ comes first on PYTHONPATH so that
    script jobs import the copied library, not the editable install of another checkout."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    env["TOKENIZERS_PARALLELISM"] = "false"
    if project is not None:
        scripts = str(Path(project).resolve() / "scripts")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [scripts, env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


def snakemake(project, *args, env=None, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SNAKEMAKE), *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment(env, project),
    )


def start_snakemake(project, *args, log_path, env=None) -> subprocess.Popen:
    """Start snakemake in a new session (its own process group) writing to ``log_path``."""
    handle = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 (closed by the child exit)
    return subprocess.Popen(
        [str(SNAKEMAKE), *args],
        cwd=project,
        stdout=handle,
        stderr=subprocess.STDOUT,
        env=environment(env, project),
        start_new_session=True,
    )


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL snakemake and every job it started (they share its process group)."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def incomplete_outputs(project) -> list[str]:
    """Outputs Snakemake marked incomplete (jobs that were running), repo-relative."""
    root = Path(project) / ".snakemake" / "incomplete"
    found = []
    for marker in root.rglob("*") if root.is_dir() else []:
        if marker.is_file():
            encoded = "".join(marker.relative_to(root).parts)
            try:
                found.append(base64.urlsafe_b64decode(encoded).decode())
            except (ValueError, UnicodeDecodeError):
                continue
    return found


def completed_outputs(project) -> dict[str, int]:
    """mtime_ns of every file under results/ except checkpoints and the killed jobs' outputs."""
    project = Path(project)
    excluded = {Path(path) for path in incomplete_outputs(project)}
    snapshot = {}
    for path in (project / "results").rglob("*"):
        relative = path.relative_to(project)
        if not path.is_file() or relative.parts[:2] == ("results", "checkpoints"):
            continue
        if any(relative == e or e in relative.parents for e in excluded):
            continue
        snapshot[str(relative)] = path.stat().st_mtime_ns
    return snapshot


def pipeline_gap(project) -> str | None:
    """None when the full DAG resolves; else the first line of Snakemake's complaint."""
    done = snakemake(project, "-n", "--quiet", timeout=300)
    if done.returncode == 0:
        return None
    text = [line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    for index, line in enumerate(text):
        if line.startswith("affected files:") and index + 1 < len(text):
            return f"missing input {text[index + 1]} (no rule produces it yet)"
    for line in text:
        if "Exception" in line or "Error" in line:
            return line[:300]
    return text[-1][:300] if text else f"snakemake -n exited {done.returncode}"
