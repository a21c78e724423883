"""Cross-lingual instruction tuning against CPT at equal tokens (paper.tuning_vs_cpt): tokens
trained from the train logs, the planned comparison, the table and its bad input."""

import json

import pandas as pd
import pytest
from langadapt.paper.aggregate import collect_metrics, wide
from langadapt.paper.comparisons import planned_comparisons
from langadapt.paper.tables import write_tables

SFT = "sft/init=base/instr=mt/xlate=64"
CPT = "cpt/ratio=1.0/tokens=8k/synth=0.0"


def _run(tmp_path, cpt_tokens: int):
    """metrics.json of base, one CPT and one SFT checkpoint, and their train logs."""
    paths, logs = [], {}
    for index, (name, bpc, chrf) in enumerate([("base", 2.0, 10.0), (f"{CPT}/seed=1", 1.5, 12.0),
                                               (f"{SFT}/seed=1", 1.8, 20.0)]):
        path = tmp_path / f"{index}.json"
        path.write_text(json.dumps({"checkpoint": name, "lang": "gl",
                                    "metrics": {"bpc_target": bpc, "chrf++_en-xx": chrf}}))
        paths.append(path)
    for name, tokens in ((f"{CPT}/seed=1", cpt_tokens), (f"{SFT}/seed=1", 8000)):
        log = tmp_path / f"{name.replace('/', '_')}.csv"
        pd.DataFrame({"step": [1, 2], "loss": [3.0, 2.5],
                      "tokens_seen": [tokens // 2, tokens]}).to_csv(log, index=False)
        logs[name] = log
    return collect_metrics(paths, train_logs=logs)


def test_tokens_trained_is_the_last_tokens_seen_of_the_train_log(tmp_path):
    frame = wide(_run(tmp_path, 8200)).set_index("checkpoint")
    assert frame.loc[f"{SFT}/seed=1", "tokens_trained"] == 8000
    assert frame.loc[f"{CPT}/seed=1", "tokens_trained"] == 8200
    assert frame.loc["base", "tokens_trained"] != frame.loc["base", "tokens_trained"]  # NaN


def test_the_sft_arm_is_compared_with_the_cpt_arm_only_when_asked(tmp_path):
    table = wide(_run(tmp_path, 8200))
    pair = {"sft": SFT, "cpt": CPT, "tolerance": 0.1}
    assert ("tuning_vs_cpt", "t", SFT, CPT) in planned_comparisons(table, [], pair)
    assert not any(plan[0] == "tuning_vs_cpt" for plan in planned_comparisons(table, []))


@pytest.mark.parametrize("cpt_tokens, verdict", [(8200, "equal within 10%"),
                                                  (16000, "not equal; set the CPT cell's "
                                                          "token_budget to about 8,000")])
def test_table_shows_the_tokens_and_says_whether_they_match(tmp_path, cpt_tokens, verdict):
    pair = {"sft": SFT, "cpt": CPT, "tolerance": 0.1}
    notes = write_tables(_run(tmp_path, cpt_tokens), tmp_path / "tables", "gl", "Galician",
                         tuning_vs_cpt=pair)
    assert notes["tuning_vs_cpt"] == ""
    text = (tmp_path / "tables" / "tuning_vs_cpt.md").read_text()
    assert "| tokens trained |" in text and "| 8,000 |" in text and f"{cpt_tokens:,}" in text
    assert verdict in text
    rows = pd.read_csv(tmp_path / "tables" / "tuning_vs_cpt.csv")
    assert list(rows["stage"])[:3] == ["base", "cpt", "sft"]


def test_without_the_key_no_table_is_written(tmp_path):
    write_tables(_run(tmp_path, 8000), tmp_path / "tables", "gl", "Galician")
    assert not (tmp_path / "tables" / "tuning_vs_cpt.md").exists()
