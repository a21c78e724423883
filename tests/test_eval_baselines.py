"""Trivial baselines (copy the source, echo the prompt, non-model choosers) on fixtures with
known values, their floors in the paper tables, and the per-stage evaluation plan."""

import json
import math

import pandas as pd
import pytest
from langadapt.errors import LangadaptError
from langadapt.eval.baselines import (
    baseline_metrics,
    baseline_metrics_files,
    copy_source,
    echo_prompt,
    write_baselines,
)
from langadapt.eval.data import parallel_pairs
from langadapt.eval.plan import checkpoint_outputs, held_out_data_check, paper_needs_check
from langadapt.paper.aggregate import collect_metrics, wide
from langadapt.paper.baselines import baseline_floor, beats_floor
from langadapt.paper.figures import scaling_figure
from langadapt.paper.scaling_law import fit_from_metrics
from langadapt.paper.tables import write_tables
from langadapt.textio import read_jsonl, write_jsonl
from sacrebleu.metrics import BLEU, CHRF
from test_paper_outputs import CPT_CELL, checkpoints, write_fake

GALICIAN = "Abre o menú Ficheiro e escolle a opción Gardar como para gardar o documento."
ENGLISH = "Open the File menu and choose Save As to save the document."


@pytest.fixture
def pairs(fixture_dir):
    return parallel_pairs(read_jsonl(fixture_dir / "eval_test_split.jsonl"))


def test_copy_source_scores_what_sacrebleu_scores(pairs):
    result = copy_source(pairs, "gl")["directions"]
    english, target = [p["en"] for p in pairs], [p["target"] for p in pairs]
    expected = {"en-xx": (english, target), "xx-en": (target, english)}
    for direction, (hypotheses, references) in expected.items():
        scores = result[direction]["scores"]
        chrf = CHRF(word_order=2).corpus_score(hypotheses, [references]).score
        bleu = BLEU().corpus_score(hypotheses, [references]).score
        assert scores["chrf++"]["score"] == pytest.approx(chrf)
        assert scores["bleu"]["score"] == pytest.approx(bleu)
        assert 0 < chrf < 100
    # the copied English is English, not Galician: no hypothesis in the target language
    assert result["en-xx"]["target_language_share"]["share"] == 0.0


def test_copy_source_without_an_english_side_is_missing_not_zero(pairs):
    broken = [*pairs[:3], {**pairs[3], "en": ""}]
    assert copy_source(broken, "gl") is None
    metrics = baseline_metrics(broken, "gl", ood_pairs=pairs)
    assert "chrf++_en-xx" not in metrics["copy_source"]  # missing, not 0
    assert metrics["copy_source"]["chrf++_ood_en-xx"] > 0


def test_echo_prompt_share_and_chrf():
    items = [{"prompt": GALICIAN, "reference": GALICIAN},
             {"prompt": ENGLISH, "reference": GALICIAN},
             {"prompt": GALICIAN, "reference": "Pecha a xanela."},
             {"prompt": ENGLISH, "reference": "Pecha a xanela."}]
    echoed = echo_prompt(items, "gl")
    assert echoed["if_target_language_share"] == 0.5
    chrf = CHRF().corpus_score([i["prompt"] for i in items], [[i["reference"] for i in items]])
    assert echoed["if_chrf"] == pytest.approx(chrf.score)
    assert echo_prompt([], "gl") is None


def test_baselines_are_pseudo_checkpoints_in_metrics_csv(pairs, tmp_path):
    write_jsonl(tmp_path / "pairs.jsonl", pairs)
    items = [{"id": str(i), "en": "x", "choices": ["a", "bb", "ccc", "dddd"], "answer": i % 4}
             for i in range(8)]
    write_jsonl(tmp_path / "choices.jsonl", items)
    write_jsonl(tmp_path / "instructions.jsonl", [{"prompt": ENGLISH, "reference": GALICIAN}])
    written = write_baselines(tmp_path / "baseline", "gl", tmp_path / "pairs.jsonl",
                              instructions_path=tmp_path / "instructions.jsonl",
                              choices_path=tmp_path / "choices.jsonl")
    assert sorted(written) == baseline_metrics_files(tmp_path / "baseline")
    longest = json.loads((tmp_path / "baseline" / "mc_longest" / "metrics.json").read_text())
    assert longest["metrics"]["mc_acc"] == 0.25  # answers cycle through the four lengths
    assert longest["metrics"]["mc_acc_ci_low"] < 0.25 < longest["metrics"]["mc_acc_ci_high"]
    frame = collect_metrics(written)
    assert set(frame["stage"]) == {"baseline"}
    assert frame[["ratio", "init", "seed"]].isna().all().all()  # no grid coordinates
    assert "baseline/copy_source" in set(frame["checkpoint"])
    assert "baseline/echo_prompt" in set(frame["checkpoint"])


def _wide_with_baselines(tmp_path, baselines: dict) -> pd.DataFrame:
    paths = write_fake(tmp_path, checkpoints())
    for name, metrics in baselines.items():
        path = tmp_path / "baseline" / name / "metrics.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"checkpoint": f"baseline/{name}", "lang": "gl",
                                    "metrics": metrics}))
        paths.append(path)
    return collect_metrics(paths, cpt_cell=CPT_CELL)


def test_floor_is_direction_aware(tmp_path):
    frame = _wide_with_baselines(tmp_path, {"a": {"bpc_target": 1.5, "chrf++_en-xx": 20.4},
                                            "b": {"bpc_target": 1.2, "chrf++_en-xx": 12.0}})
    table = wide(frame)
    assert baseline_floor(table, "bpc_target") == ("b", 1.2)  # lower is better
    assert baseline_floor(table, "chrf++_en-xx") == ("a", 20.4)
    assert baseline_floor(table, "mc_acc") is None and baseline_floor(table, "nope") is None
    assert beats_floor(1.1, ("b", 1.2), "bpc_target") is True
    assert beats_floor(20.4, ("a", 20.4), "chrf++_en-xx") is False
    assert beats_floor(math.nan, ("a", 20.4), "chrf++_en-xx") is None


def test_tables_show_the_baseline_row_and_mark_values_below_it(tmp_path):
    # fake models: chrF++ en→xx 20.0 for base and CPT cells, MC 25-35 %
    frame = _wide_with_baselines(tmp_path, {"copy_source": {"chrf++_en-xx": 20.4},
                                            "mc_longest": {"mc_acc": 0.25}})
    write_tables(frame, tmp_path / "tables", "gl", "Galician")
    stages = pd.read_csv(tmp_path / "tables" / "stages.csv")
    assert stages["stage"].tolist() == ["base", "cpt", "sft", "dpo", "baseline"]
    last = stages.iloc[-1]
    assert last["chrF++ en→gl"] == "20.4 (copy_source)" and last["MC acc %"] == "25.0 (mc_longest)"
    assert stages.iloc[0]["chrF++ en→gl"] == "20.0 ‡"  # base does not beat copying
    assert stages.iloc[0]["MC acc %"] == "25.0 ‡"  # equal to the floor is not above it
    assert stages.iloc[1]["MC acc %"] == "33.0"  # the CPT cell (ratio 0.8) beats it
    markdown = (tmp_path / "tables" / "stages.md").read_text()
    assert "does not beat it" in markdown
    assert r"$^{\ddagger}$" in (tmp_path / "tables" / "stages.tex").read_text()
    table = wide(frame)
    scaling = fit_from_metrics(table, ["chrf++_en-xx", "bleu_en-xx"])
    floors = {"chrf++_en-xx": baseline_floor(table, "chrf++_en-xx")}
    labels = scaling_figure(scaling, tmp_path / "scaling", "gl", floors)
    assert "copy source (baseline)" in labels and len(labels) == 5  # 2 scores, 2 fits, 1 floor


def test_stage_outputs_follow_evaluation_suites():
    config = {"evaluation": {"suites": {"base": ["bpc", "multiple_choice", "instructions"],
                                        "cpt": ["bpc"], "sft": ["translation"], "dpo": []}}}
    assert set(checkpoint_outputs(config, "base")) == {"bpc", "lm_eval", "instructions",
                                                       "sheet", "metrics"}
    assert set(checkpoint_outputs(config, "cpt")) == {"bpc", "metrics"}
    assert checkpoint_outputs(config, "sft")["translation"] == (
        "results/eval/{lang}/{checkpoint}/translation.json")


def test_suite_without_held_out_data_names_the_key():
    config = {"evaluation": {"instruction_prompts": 0,
                             "suites": {"base": [], "cpt": [], "sft": ["instructions"],
                                        "dpo": []}}}
    with pytest.raises(LangadaptError, match=r"config key 'evaluation.suites.sft'.*"
                                             r"evaluation.instruction_prompts is 0"):
        held_out_data_check(config)


def test_paper_output_without_its_suite_names_the_key():
    from langadapt.config import load_schema

    suites = {"base": ["bpc"], "cpt": ["bpc", "translation"], "sft": ["translation"], "dpo": []}
    claims = load_schema()["properties"]["paper"]["properties"]["claims"]["default"]
    config = {"evaluation": {"suites": suites}, "paper": {"claims": claims}}
    with pytest.raises(LangadaptError, match=r"'evaluation.suites.sft'.*C3.*instructions"):
        paper_needs_check(config, ["base", "cpt", "sft"])
    paper_needs_check(config, ["base"])  # no SFT cells in this run: nothing reads them


def test_the_suites_a_claim_needs_follow_its_configured_metric():
    suites = {"base": ["bpc"], "cpt": ["bpc"], "sft": ["translation", "instructions"], "dpo": []}
    claims = {"C6": {"comparison": "s", "metric": "bpc_target", "direction": "lower"}}
    config = {"evaluation": {"suites": suites}, "paper": {"claims": claims}}
    paper_needs_check(config, ["base", "cpt", "sft"])  # C6 on bits per char: bpc is enough
    claims["C6"]["metric"] = "chrf++_en-xx"
    with pytest.raises(LangadaptError, match=r"'evaluation.suites.cpt'.*claim C6 \(chrf\+\+"):
        paper_needs_check(config, ["base", "cpt", "sft"])


def test_the_baselines_table_lists_every_baseline_with_its_interval(tmp_path):
    import pandas as pd
    from langadapt.paper.aggregate import COLUMNS
    from langadapt.paper.tables import write_tables

    rows = [("base", "base", "mc_acc", 0.62), ("base", "base", "chrf++_en-xx", 15.6),
            ("baseline/copy_source", "baseline", "chrf++_en-xx", 20.6),
            ("baseline/mc_random", "baseline", "mc_acc", 0.25),
            ("baseline/mc_random", "baseline", "mc_acc_ci_low", 0.175),
            ("baseline/mc_random", "baseline", "mc_acc_ci_high", 0.3430)]
    metrics = pd.DataFrame([{"lang": "gl", "checkpoint": name, "stage": stage, "metric": metric,
                             "value": value} for name, stage, metric, value in rows],
                           columns=COLUMNS)
    write_tables(metrics, tmp_path, "gl", "Galician")
    table = pd.read_csv(tmp_path / "baselines.csv")
    assert table.to_dict("records") == [
        {"baseline": "copy_source", "metric": "chrF++ en→gl", "value": 20.6,
         "95 % interval": "–"},
        {"baseline": "mc_random", "metric": "MC acc %", "value": 25.0,
         "95 % interval": "[17.5, 34.3]"}]
    assert "chance is 25 %" in (tmp_path / "baselines.md").read_text()
