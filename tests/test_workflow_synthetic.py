"""Snakemake runs of the synthetic and mix rules on the fixture with the tiny random model."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from langadapt.mixture import MixtureIndex

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"

pytestmark = [
    pytest.mark.workflow,
    pytest.mark.skipif(shutil.which("apertium") is None, reason="Debian apertium not installed"),
]


def run_snakemake(workdir: Path, config: dict, targets: list[str]) -> None:
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    command = [
        str(SNAKEMAKE),
        "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(workdir),
        "--configfile", str(workdir / "config.yaml"),
        "--cores", "2",
        *targets,
        "--quiet", "rules",
    ]  # fmt: skip
    # script jobs import this checkout's library, not another checkout's editable install
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(REPO / "scripts"), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(command, capture_output=True, text=True, cwd=workdir, env=env)
    if result.returncode != 0:
        logs = "\n".join(f"{p}:\n{p.read_text()}" for p in (workdir / "logs").rglob("*.log"))
        pytest.fail(f"snakemake failed:\n{result.stdout}\n{result.stderr}\n{logs}")


def prepare(tmp_path: Path, tiny_model_dir: Path, fixture_dir: Path, lang: str, train: Path):
    shutil.copytree(tiny_model_dir, tmp_path / "results/models/base")
    clean = tmp_path / f"results/data/{lang}/clean"
    clean.mkdir(parents=True)
    shutil.copy(train, clean / "train.jsonl")
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["synthetic"]["translation"]["max_sentences"] = 120
    config["synthetic"]["filters"]["perplexity_max_lines"] = 120
    config["mixture"]["seq_len"] = 32
    return config


GALICIAN_CELLS = [
    "ratio=0.8/tokens=2k/synth=1.0",
    "ratio=1.0/tokens=2k/synth=0.0",
    "ratio=0.0/tokens=1k/synth=1.0",
]


@pytest.fixture(scope="module")
def galician_run(tmp_path_factory, tiny_model_dir, fixture_dir) -> Path:
    """One unsharded Galician run (MT, filter, tokenise, three cells), shared by two tests."""
    work = tmp_path_factory.mktemp("galician")
    config = prepare(work, tiny_model_dir, fixture_dir, "gl", fixture_dir / "clean_train.jsonl")
    run_snakemake(work, config, [f"results/mix/gl/{cell}/index.npy" for cell in GALICIAN_CELLS])
    return work


def test_galician_mt_filter_tokenise_mix(galician_run):
    tmp_path, cells = galician_run, GALICIAN_CELLS

    synthetic = tmp_path / "results/data/gl/synthetic"
    mt = [json.loads(line) for line in (synthetic / "mt.jsonl").read_text().splitlines()]
    assert len(mt) == 120 and set(mt[0]) == {"id", "group", "en", "target"}
    provenance = json.loads((synthetic / "mt.provenance.json").read_text())
    assert provenance["backend"] == "apertium" and provenance["version"]
    assert "seeded random sample" in provenance["sample"]
    report = json.loads((synthetic / "mt.filter_report.json").read_text())
    assert [step["name"] for step in report["filters"]] == [
        "length_ratio", "exact_duplicate", "near_duplicate", "perplexity",
    ]  # fmt: skip
    kept = (synthetic / "mt.filtered.jsonl").read_text().splitlines()
    candidates = report["filters"][-2]["kept"]  # after the length and duplicate filters
    assert report["perplexity"]["scored"] == candidates
    assert report["perplexity"]["unscored_dropped"] == 0
    assert len(kept) == report["output"] == report["filters"][-1]["kept"] == round(0.8 * candidates)

    for corpus in ("english", "real", "mt"):
        stats = json.loads((tmp_path / f"results/tokens/gl/{corpus}.json").read_text())
        ids = np.load(tmp_path / f"results/tokens/gl/{corpus}.npy")
        assert ids.dtype == np.uint32 and len(ids) == stats["tokens"]
        assert (ids == stats["eos_token_id"]).sum() == stats["documents"]

    index = MixtureIndex(tmp_path / f"results/mix/gl/{cells[0]}/mix.json")
    info = json.loads((tmp_path / f"results/mix/gl/{cells[0]}/mix.json").read_text())
    assert len(index) == info["sequences"] == 62 and index.sequence(61).shape == (32,)
    assert info["index"]["token_files"] == [
        f"../../../../../tokens/gl/{corpus}.npy" for corpus in ("english", "real", "mt")]
    assert info["packing_efficiency"] >= 0.95 and set(info["corpora"]) == {"english", "real", "mt"}
    real_only = json.loads((tmp_path / f"results/mix/gl/{cells[1]}/mix.json").read_text())
    assert set(real_only["corpora"]) == {"real"} and real_only["synthetic_target_share"] == 0
    assert 0 < info["synthetic_target_share"] == pytest.approx(
        info["corpora"]["mt"]["tokens"] / (info["corpora"]["mt"]["tokens"]
                                           + info["corpora"]["real"]["tokens"]), abs=1e-5)
    english_only = json.loads((tmp_path / f"results/mix/gl/{cells[2]}/mix.json").read_text())
    assert set(english_only["corpora"]) == {"english"}


def test_hindi_transliteration_into_mixture(tmp_path, tiny_model_dir, fixture_dir):
    lines = (fixture_dir / "hindi.txt").read_text().splitlines()
    train = tmp_path / "hi_train.jsonl"
    train.write_text(
        "".join(
            json.dumps(
                {"id": f"h{i}", "group": "g", "source": "fx", "en": f"line {i}", "target": t}
            )
            + "\n"
            for i, t in enumerate(lines)
        )
    )
    config = prepare(tmp_path, tiny_model_dir, fixture_dir, "hi", train)
    config["language"] = {"code": "hi", "name": "Hindi", "script": "Deva"}
    config["synthetic"]["translation"]["enabled"] = False
    config["synthetic"]["transliteration"] = {"enabled": True, "scheme": "itrans"}
    run_snakemake(tmp_path, config, ["results/mix/hi/ratio=0.5/tokens=1k/synth=1.0/index.npy"])
    translit = [
        json.loads(x) for x in (tmp_path / "results/data/hi/synthetic/translit.jsonl").open()
    ]
    assert len(translit) == len(lines) and translit[10]["text"] == "namaste duniyA"
    info = json.loads(
        (tmp_path / "results/mix/hi/ratio=0.5/tokens=1k/synth=1.0/mix.json").read_text()
    )
    assert set(info["corpora"]) == {"english", "real", "translit"}


def planned_jobs(workdir: Path, config: dict, targets: list[str]) -> dict[str, int]:
    """Jobs per rule that a dry run of ``config`` (written beside config.yaml) would run."""
    (workdir / "planned.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    command = [str(SNAKEMAKE), "--snakefile", str(REPO / "Snakefile"), "--directory",
               str(workdir), "--configfile", str(workdir / "planned.yaml"), "-n", *targets]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(REPO / "scripts"), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(command, capture_output=True, text=True, cwd=workdir, env=env)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    if "Nothing to be done" in done.stdout + done.stderr:
        return {}
    table = done.stdout.split("Job stats:")[1].split("total")[0].splitlines()[3:]
    return {rule: int(count) for rule, count in (line.split() for line in table if line.strip())}


@pytest.fixture(scope="module")
def four_shard_run(tmp_path_factory, tiny_model_dir, fixture_dir) -> tuple[Path, dict]:
    """The Galician run's first cell with its source split into 4 shards: (workdir, config)."""
    work = tmp_path_factory.mktemp("galician_4_shards")
    config = prepare(work, tiny_model_dir, fixture_dir, "gl", fixture_dir / "clean_train.jsonl")
    config["sources"][0]["shards"] = 4
    run_snakemake(work, config, [f"results/mix/gl/{GALICIAN_CELLS[0]}/index.npy"])
    return work, config


def test_four_shards_give_the_mixture_of_one(galician_run, four_shard_run):
    """Corpora split into 4 shards (translated and tokenised per shard) give the same sequences
    as the unsharded run."""
    cell, work = GALICIAN_CELLS[0], four_shard_run[0]
    names = [f"{shard}-of-4" for shard in range(4)]
    translated = sorted((work / "results/data/gl/shards/mt_raw").glob("*.jsonl"))
    assert [path.stem for path in translated] == names
    tokens = sorted((work / "results/tokens/gl").rglob("*.npy"))
    assert [p.relative_to(work / "results/tokens/gl").as_posix() for p in tokens] == [
        f"{corpus}/{name}.npy" for corpus in ("english", "mt", "real") for name in names]
    one = MixtureIndex(galician_run / f"results/mix/gl/{cell}/mix.json")
    four = MixtureIndex(work / f"results/mix/gl/{cell}/mix.json")
    assert len(one) == len(four) == 62
    assert all(np.array_equal(one.sequence(n), four.sequence(n)) for n in range(len(one)))


def test_a_shard_count_change_recomputes_the_sharded_stages_only(four_shard_run):
    """4 -> 2 shards: split, translate, filter, tokenise and mix again; the clean split and the
    seeded English sample stay."""
    work, config = four_shard_run
    config = {**config, "sources": [{**config["sources"][0], "shards": 2},
                                    *config["sources"][1:]]}
    jobs = planned_jobs(work, config, [f"results/mix/gl/{GALICIAN_CELLS[0]}/index.npy"])
    # 2 shards of english, real, the English sample to translate and its filtered translation
    assert jobs == {"shard_corpus": 8, "translate_english_shard": 2, "filter_synthetic": 1,
                    "tokenize_corpus_shard": 6, "build_mixture": 1}


def test_a_failed_shard_is_rerun_alone(four_shard_run):
    """A failed shard leaves no outputs (Snakemake removes them) and no mixture: the rerun makes
    that shard and the mixture, nothing else."""
    work, config = four_shard_run
    shard = work / "results/tokens/gl/real/2-of-4"
    cell = work / f"results/mix/gl/{GALICIAN_CELLS[0]}"
    lost = (shard.with_suffix(".npy"), shard.with_suffix(".json"), cell / "index.npy",
            cell / "mix.json")
    moved = [path.rename(path.with_name(path.name + ".away")) for path in lost]
    try:
        jobs = planned_jobs(work, config, [f"results/mix/gl/{GALICIAN_CELLS[0]}/index.npy"])
    finally:
        for path in moved:
            path.rename(path.with_name(path.name.removesuffix(".away")))
    assert jobs == {"tokenize_corpus_shard": 1, "build_mixture": 1}
