"""Bad inputs as a user meets them: through `snakemake`, with the message they see.

Library-level tests of the same inputs live beside each stage (test_config.py,
test_modeling.py, test_textio.py, test_sources_local.py, ...); docs/bad_inputs.md is the table.
"""

import json
import shutil

import pytest
from langadapt.errors import LangadaptError
from langadapt.modeling import prepare_base_model
from tiny_workflow import make_project, snakemake, tiny_config, write_config

pytestmark = pytest.mark.workflow


@pytest.fixture
def project(tiny_model_dir, tmp_path):
    return make_project(tmp_path / "repo", tiny_model_dir)


def _output(done) -> str:
    return done.stdout + done.stderr


def _dry_run_with(project, tiny_model_dir, edit) -> str:
    config = tiny_config(tiny_model_dir)
    edit(config)
    write_config(project, config)
    done = snakemake(project, "-n", "results/models/base")
    assert done.returncode != 0
    return _output(done)


def test_unknown_config_key_stops_the_run(project, tiny_model_dir):
    out = _dry_run_with(
        project, tiny_model_dir, lambda c: c["cpt"].update(learning_rat=1e-4)
    )
    assert "config key 'cpt.learning_rat': unknown key; allowed keys here:" in out


def test_wrong_config_type_stops_the_run(project, tiny_model_dir):
    out = _dry_run_with(
        project, tiny_model_dir, lambda c: c["mixture"].update(seq_len="long")
    )
    assert "config key 'mixture.seq_len': 'long' has the wrong type; expected integer" in out


def test_config_key_given_twice_stops_the_run(project, tiny_model_dir):
    """YAML keeps the last of two equal keys silently; the run stops and names both lines."""
    write_config(project, tiny_config(tiny_model_dir))
    path = project / "config.yaml"
    text = path.read_text(encoding="utf-8")
    assert "\nmixture:" in text
    path.write_text(text + "mixture:\n  seq_len: 64\n", encoding="utf-8")
    first = text.splitlines().index("mixture:") + 1
    done = snakemake(project, "-n", "results/models/base")
    assert done.returncode != 0
    assert (f"config.yaml:{len(text.splitlines()) + 1}: key 'mixture' is given twice (first on "
            f"line {first})") in _output(done)


def _base_model_failure(project, tiny_model_dir, model_path) -> str:
    config = tiny_config(tiny_model_dir)
    config["base_model"]["path"] = str(model_path)
    write_config(project, config)
    done = snakemake(project, "--cores", "1", "results/models/base")
    assert done.returncode != 0
    log = project / "logs" / "prepare_base_model.log"
    return log.read_text(encoding="utf-8") if log.exists() else _output(done)


def test_missing_base_model_path(project, tiny_model_dir, tmp_path):
    missing = tmp_path / "no_such_model"
    message = _base_model_failure(project, tiny_model_dir, missing)
    assert f"{missing}: model directory does not exist" in message


def test_base_model_without_weights(tiny_model_dir, tmp_path):
    broken = shutil.copytree(tiny_model_dir, tmp_path / "no_weights")
    (broken / "model.safetensors").unlink()
    with pytest.raises(LangadaptError) as caught:
        prepare_base_model({"kind": "local", "path": str(broken)}, tmp_path / "base")
    assert str(caught.value) == f"{broken}: no safetensors weights"


def test_base_model_with_truncated_safetensors(tiny_model_dir, tmp_path):
    broken = shutil.copytree(tiny_model_dir, tmp_path / "truncated")
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(LangadaptError, match="truncated or corrupt safetensors file") as caught:
        prepare_base_model({"kind": "local", "path": str(broken)}, tmp_path / "base")
    assert str(caught.value).startswith(f"{weights}: ")


def test_parallel_text_with_bom_mixed_line_endings_and_an_empty_side(project, tiny_model_dir):
    """A BOM and CRLF/CR/LF line endings are read as text; a pair with an empty side is dropped
    and counted by the cleaning stage."""
    (project / "target.txt").write_bytes(
        "\ufeffPrimeira liña.\r\nSegunda liña.\rTerceira liña.\nCuarta liña.\r\n".encode()
    )
    (project / "english.txt").write_bytes(b"First line.\nSecond line.\r\n\r\nFourth line.\n")
    config = tiny_config(tiny_model_dir)
    config["sources"].append(
        {"name": "crlf", "type": "local", "path": "target.txt", "english_path": "english.txt"}
    )
    write_config(project, config)
    done = snakemake(project, "--cores", "1", "results/data/gl/clean/report.json")
    if "MissingRuleException" in _output(done) or "No rule to produce" in _output(done):
        pytest.skip("the data stage (load_source, clean_and_split) is not on this branch yet")
    assert done.returncode == 0, _output(done)[-3000:]
    source = (project / "results/data/gl/sources/crlf.jsonl").read_text(encoding="utf-8")
    records = [json.loads(line) for line in source.splitlines()]
    assert [r["target"] for r in records] == [
        "Primeira liña.", "Segunda liña.", "Terceira liña.", "Cuarta liña."
    ]
    train = (project / "results/data/gl/clean/train.jsonl").read_text(encoding="utf-8")
    assert "\ufeff" not in train and "\r" not in train and "Terceira liña." not in train
    report = (project / "results/data/gl/clean/report.json").read_text(encoding="utf-8")
    assert "empty" in report


def test_sft_start_cell_outside_the_cpt_grid(tiny_model_dir):
    from langadapt.config import validate_config
    from langadapt.grids import sft_init_cell

    config = tiny_config(tiny_model_dir)
    config["sft"]["cpt_cell"] = {**config["sft"]["cpt_cell"], "mixing_ratio": 0.3}
    with pytest.raises(LangadaptError, match=r"config key 'sft.cpt_cell': .* is not a cell of"):
        sft_init_cell(validate_config(config))


def test_more_translated_lines_than_the_perplexity_filter_scores(tiny_model_dir):
    from langadapt.config import validate_config

    config = tiny_config(tiny_model_dir)
    config["synthetic"]["translation"].update(enabled=True, max_sentences=500)
    config["synthetic"]["filters"]["perplexity_max_lines"] = 400
    with pytest.raises(LangadaptError, match=r"config key 'synthetic.translation.max_sentences': "
                                             r"500 lines would be translated .* = 400"):
        validate_config(config)


def test_more_candidates_than_the_perplexity_budget_at_filter_time():
    from langadapt.synthetic import filter_translations

    records = [{"id": str(i), "en": f"Open file number {i}.", "target": f"Abra o ficheiro {i}."}
               for i in range(6)]
    settings = {"length_ratio": [0.5, 2.0], "near_duplicate_jaccard": 1.0,
                "perplexity_keep_fraction": 0.5, "perplexity_max_lines": 4}
    with pytest.raises(LangadaptError, match="'synthetic.filters.perplexity_max_lines': 6 "
                                             "translated lines reach the perplexity filter"):
        filter_translations(records, settings, score=lambda texts: [1.0] * len(texts))


def test_mixture_from_another_tokenizer(tmp_path):
    import numpy as np
    from langadapt.mixture import index_token_stream
    from langadapt.train.cpt import MixtureDataset, check_vocab

    np.save(tmp_path / "tokens.npy", np.array([1, 2, 3, 900, 4, 5, 6, 0], dtype=np.uint32))
    mixture = tmp_path / "mix.json"
    index_token_stream(tmp_path / "tokens.npy", 4, 0, tmp_path / "index.npy", mixture)
    with pytest.raises(LangadaptError) as caught:
        check_vocab(MixtureDataset(mixture), vocab_size=500)
    assert str(caught.value).startswith(f"{mixture}: token id 900 is outside the model's vocab")


def test_unknown_training_recipe_key(tmp_path):
    from langadapt.train import recipes
    from langadapt.train.common import make_training_args

    resolved = recipes.resolve_recipe("cpt", {"warmup_ratio": 0.1}, 1, tmp_path)
    with pytest.raises(LangadaptError) as caught:
        make_training_args(resolved, "cpt")
    assert str(caught.value).startswith("config key 'cpt.recipe.warmup_ratio': not an argument")


def test_trainer_key_stops_the_dry_run(project, tiny_model_dir):
    out = _dry_run_with(
        project, tiny_model_dir, lambda c: c["cpt"]["recipe"].update(warmup_ratio=0.1)
    )
    assert "config key 'cpt.recipe.warmup_ratio': not an argument of TrainingArguments" in out


def test_mt_instructions_without_translation_stop_the_dry_run(project, tiny_model_dir):
    config = tiny_config(tiny_model_dir)
    config["synthetic"]["translation"]["enabled"] = False
    write_config(project, config)
    assert snakemake(project, "-n", "results/data/gl/clean/train.jsonl").returncode == 0
    done = snakemake(project, "-n")  # the plan includes the 'mt' instruction arm
    assert done.returncode != 0
    assert "config key 'sft.grid[0].instructions': the 'mt' arm needs machine translation" in (
        _output(done)
    )


def test_default_config_without_translation_dry_runs(tmp_path, tiny_model_dir):
    """The README's no-root path: config.yaml with synthetic.translation.enabled: false plans
    the arms that need no machine translation and says, in one line, which arms it left out."""
    import yaml
    from tiny_workflow import REPO

    project = make_project(tmp_path / "repo", tiny_model_dir)
    config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    config["synthetic"]["translation"]["enabled"] = False
    write_config(project, config)
    done = snakemake(project, "-n")
    assert done.returncode == 0, _output(done)[-3000:]
    out = _output(done)
    assert out.count("note: synthetic.translation.enabled is false, so the arms that need "
                     "machine translation leave the grids:") == 1
    assert "instr=mt" not in out and "synth=60.0" not in out and "results/dpo/" not in out
    assert "results/sft/gl/init=cpt/instr=human/xlate=32/seed=1/model" in out
    assert "results/paper/default-run/claims.md" in out


def test_translation_examples_beyond_the_parallel_pairs_stop_at_plan_check(project, tiny_model_dir):
    """Feasibility at plan time: the size check runs before any model trains (issue 13)."""
    config = tiny_config(tiny_model_dir)
    config["sft"]["grid"][0]["translation_examples"] = [10**6]  # the help holds ~12.5k pairs
    write_config(project, config)
    done = snakemake(project, "--cores", "1", "results/data/gl/plan_check.json")
    assert done.returncode != 0
    log = (project / "logs" / "plan_check" / "gl.log").read_text(encoding="utf-8")
    assert ("config key 'sft.grid.translation_examples': 1000000 requested but the parallel "
            "training pairs of lohelp hold(s) at most") in log


def test_english_source_that_is_not_an_english_source_stops_the_run(project, tiny_model_dir):
    out = _dry_run_with(
        project, tiny_model_dir, lambda c: c["mixture"].update(english_source="lohelp")
    )
    assert ("config key 'mixture.english_source': source 'lohelp' has role target; an English "
            "source needs `role: english`") in out


def test_suite_without_held_out_data_stops_the_dry_run(project, tiny_model_dir):
    """instruction_prompts: 0 builds no held-out instructions; a stage asking for them stops."""
    out = _dry_run_with(
        project, tiny_model_dir, lambda c: c["evaluation"].update(instruction_prompts=0)
    )
    assert ("config key 'evaluation.suites.base': asks for instructions, but "
            "evaluation.instruction_prompts is 0") in out


def test_paper_output_reading_a_suite_the_stage_skips_stops_the_dry_run(project, tiny_model_dir):
    """The forgetting figure and claims C1, C2 and C6 read the CPT cells' bits per character."""
    out = _dry_run_with(
        project, tiny_model_dir,
        lambda c: c["evaluation"]["suites"].update(cpt=["translation", "multiple_choice"])
    )
    assert ("config key 'evaluation.suites.cpt': figure forgetting, table mixing_ratio "
            "(bits per char) reads the bpc suite of cpt checkpoints") in out


def test_tuning_vs_cpt_arm_that_is_not_in_the_run_stops_the_plan(project, tiny_model_dir):
    out = _dry_run_with(project, tiny_model_dir, lambda c: c.setdefault("paper", {}).update(
        tuning_vs_cpt={"sft": "sft/init=base/instr=mt/xlate=99", "cpt": "cpt/ratio=1.0"}))
    assert ("config key 'paper.tuning_vs_cpt.sft': 'sft/init=base/instr=mt/xlate=99' is not an "
            "arm of this run") in out
