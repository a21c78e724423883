"""Comparisons, seed summaries, markers, figures and claims from a synthetic run.

Every checkpoint gets suite JSONs like eval_checkpoint writes them (translation hypotheses,
bpc documents, per-item MC correctness, instruction responses) with a known quality, and
metrics.json through the real ``merge_metrics``; the arms differ by design, so the tests know
which comparisons must come out significant.
"""

import json

import numpy as np
import pandas as pd
import pytest
from langadapt.config import load_schema
from langadapt.eval.suites import merge_metrics
from langadapt.paper.aggregate import read_metrics_csv, wide, write_metrics_csv
from langadapt.paper.claims import write_claims
from langadapt.paper.comparisons import write_comparisons
from langadapt.paper.figures import forgetting_figure, forgetting_series
from langadapt.paper.names import arm_of
from langadapt.paper.run import run_name
from langadapt.paper.scaling_law import fit_from_metrics
from langadapt.paper.tables import write_tables
from sacrebleu.metrics import BLEU, CHRF

GL = ["Abra o ficheiro e garde o documento.", "Seleccione todas as celas da folla.",
      "Prema o botón para inserir unha táboa.", "A xanela mostra as opcións de impresión."]
EN = ["Open the file and save the document.", "Select all cells of the sheet.",
      "Press the button to insert a table.", "The window shows the printing options."]
PAIRS = [{"id": f"p{i}", "en": f"{EN[i % 4]} ({i})", "target": f"{GL[i % 4]} ({i})"}
         for i in range(40)]
CPT = "cpt/ratio={r}/tokens=8k/synth={s}/seed={seed}"
SFT = "{stage}/init={i}/instr={m}/xlate={x}/seed=1"
XX_EN = "sft/init=cpt/instr=mt/xlate=32/dir=xx-en/seed=1"  # the run's default direction is en-xx
# quality in [0, 1] of every arm: higher translates, answers and predicts Galician better
ENDPOINTS = load_schema()["properties"]["paper"]["properties"]["claims"]["default"]
QUALITY = {"base": 0.1, "cpt/ratio=0.0/tokens=8k/synth=0.0": 0.15,
           "cpt/ratio=0.8/tokens=8k/synth=0.0": 0.6, "cpt/ratio=0.8/tokens=8k/synth=60.0": 0.62}


def checkpoint_names() -> list[str]:
    names = ["base"]
    for ratio, synth in ((0.0, 0.0), (0.8, 0.0), (0.8, 60.0)):
        names += [CPT.format(r=ratio, s=synth, seed=seed) for seed in (1, 2, 3)]
    for init, instr, xlate in (("base", "mt", 32), ("cpt", "mt", 32), ("cpt", "human", 32),
                               ("cpt", "mt", 8), ("cpt", "mt", 128)):
        names.append(SFT.format(stage="sft", i=init, m=instr, x=xlate))
    names.append(XX_EN)  # C5: source-side translation data, else as sft/init=cpt/.../xlate=32
    return names + [SFT.format(stage="dpo", i="cpt", m="mt", x=32)]


def quality(name: str) -> float:
    if arm_of(name) in QUALITY:
        return QUALITY[arm_of(name)]
    if "dir=xx-en" in name:
        return 0.35
    value = 0.7 if "init=cpt" in name else 0.2
    return value + 0.05 * np.log2(int(name.split("xlate=")[1].split("/")[0]) / 32)


def write_checkpoint(root, name: str, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    q = quality(name)
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    directions = {}
    for direction, side in (("en-xx", "target"), ("xx-en", "en")):
        hyps = [p[side] if rng.random() < q else "o o o" for p in PAIRS]
        refs = [p[side] for p in PAIRS]
        directions[direction] = {
            "scores": {"bleu": {"score": BLEU().corpus_score(hyps, [refs]).score},
                       "chrf++": {"score": CHRF(word_order=2).corpus_score(hyps, [refs]).score}},
            "hypotheses": [{"id": p["id"], "hypothesis": h}
                           for p, h in zip(PAIRS, hyps, strict=True)]}
    bpc = {}
    for side, level in (("target", 2.3 - q), ("english", 1.2 + 0.1 * q)):
        chars = rng.integers(200, 400, size=30)
        bits = chars * (level + rng.normal(0, 0.02, size=30))
        bpc[side] = {"bits_per_char": float(bits.sum() / chars.sum()),
                     "documents": [{"id": f"d{i}", "bits": float(b), "characters": int(c)}
                                   for i, (b, c) in enumerate(zip(bits, chars, strict=True))]}
    correct = rng.random(80) < 0.25 + 0.5 * q
    responses = [GL[i % 4] if rng.random() < q else EN[i % 4] for i in range(30)]
    share = sum(r in GL for r in responses) / len(responses)
    suites = {
        "bpc": {"bpc": bpc},
        "translation": {"directions": directions},
        "lm_eval": {"multiple_choice_task": "mc", "tasks": {"mc": {"acc": float(correct.mean())}},
                    "items": {"mc": [{"id": f"m{i}", "acc": float(c)}
                                     for i, c in enumerate(correct)]}},
        "instructions": {"prompts": 30, "target_language_share": {"share": share},
                         "chrf": {"score": 20.0},
                         "responses": [{"id": f"r{i}", "response": r}
                                       for i, r in enumerate(responses)]},
    }
    paths = {}
    for suite, content in suites.items():
        paths[suite] = folder / f"{suite}.json"
        paths[suite].write_text(json.dumps({"checkpoint": name, **content}))
    merge_metrics(paths, name, "gl", folder / "metrics.json")
    return {suite: str(path) for suite, path in paths.items()}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("run")
    suites = {name: write_checkpoint(root / "eval", name, index)
              for index, name in enumerate(checkpoint_names())}
    mixtures = {}
    for synth, share in (("0.0", 0.0), ("60.0", 0.31)):
        mix = root / f"mix{synth}.json"
        mix.write_text(json.dumps({"synthetic_target_share": share}))
        for seed in (1, 2, 3):
            mixtures[f"ratio=0.8/tokens=8k/synth={synth}/seed={seed}"] = str(mix)
    pairs = root / "translation.jsonl"
    pairs.write_text("".join(json.dumps(p) + "\n" for p in PAIRS))
    metrics = root / "metrics.csv"
    write_metrics_csv([root / "eval" / n / "metrics.json" for n in checkpoint_names()], metrics,
                      cpt_cell={"ratio": "0.8", "tokens": "8k", "synth": "60.0", "seed": "1"},
                      mixtures=mixtures, direction="en-xx")
    comparisons = root / "comparisons.csv"
    write_comparisons(metrics, suites, pairs, comparisons, "gl", resamples=2000)
    return root, metrics, pd.read_csv(comparisons)


def test_every_table_gets_its_comparisons(run):
    _, _, comparisons = run
    planned = set(zip(comparisons["table"], comparisons["marker"], strict=True))
    assert planned == {("stages", "b"), ("mixing_ratio", "b"), ("mixing_ratio", "c"),
                       ("synthetic", "s"), ("cpt", "i"), ("instructions", "h"),
                       ("instructions", "d")}
    assert (comparisons["p_holm"] >= comparisons["p"] - 1e-12).all()
    control = comparisons[(comparisons["marker"] == "c") & (comparisons["metric"] == "bpc_target")
                          & (comparisons["arm"] == "cpt/ratio=0.8/tokens=8k/synth=0.0")].iloc[0]
    assert control["difference"] < -0.3 and control["significant"]
    assert control["ci_low"] < control["difference"] < control["ci_high"] < 0
    assert control["level"] == "recipe" and control["seeds_arm"] == 3  # 3 seeds: a recipe test
    assert control["se"] > 0 and control["df"] > 1 and control["seed_sd"] >= 0
    single = comparisons[comparisons["table"] == "instructions"].iloc[0]
    assert "paired_ar" in single["method"] and single["seeds_arm"] == 1
    # interval ends are never tested
    assert not comparisons["metric"].str.endswith(("_ci_low", "_ci_high")).any()
    # every metric with per-item data is compared, MC and the answer rate included
    assert {"mc_acc", "if_target_language_share", "chrf++_en-xx", "bleu_xx-en",
            "bpc_english"} <= set(comparisons["metric"])


def test_tables_show_seed_means_and_which_comparison(run, tmp_path):
    root, metrics, comparisons = run
    notes = write_tables(read_metrics_csv(metrics), tmp_path, "gl", "Galician", comparisons)
    assert not any(note for name, note in notes.items() if name != "corpus")  # one corpus set
    ratio = pd.read_csv(tmp_path / "mixing_ratio.csv")
    assert ratio["ratio"].astype(str).tolist()[:2] == ["–", "0.0"]  # base, then the control
    assert ratio["seeds"].tolist() == [1, 3, 3, 3]
    cell = ratio.loc[2, "bpc gl ↓"]
    assert " ± " in cell and cell.endswith("ᵇᶜ")  # recipe comparisons: no † label
    markdown = (tmp_path / "mixing_ratio.md").read_text()
    assert "ᶜ differs against the English-only CPT control" in markdown
    assert "exploratory" in markdown
    instructions = (tmp_path / "instructions.md").read_text()  # one seed an arm
    assert "†" in instructions and "checkpoint comparison" in instructions
    synthetic = pd.read_csv(tmp_path / "synthetic.csv")
    assert synthetic["synthetic % of gl tokens"].str.startswith("31.0").any()
    assert "$^{bc}$" in (tmp_path / "mixing_ratio.tex").read_text()


def test_forgetting_figure_keeps_synthetic_weights_apart(run, tmp_path):
    _, metrics, _ = run
    table = wide(read_metrics_csv(metrics))
    series = forgetting_series(table[table["stage"] == "cpt"], "bpc_english")
    assert set(series) == {(0.0, "8k"), (60.0, "8k")}
    for stats in series.values():  # the control (ratio 0) starts every series; 2 seeds each
        assert stats.index.tolist() == [0.0, 0.8] and stats["count"].tolist() == [3, 3]
    # as the rule reads it: metrics.csv gives the vocab column as numbers
    drawn = forgetting_figure(table, tmp_path / "forgetting", "Galician")
    assert drawn == {"bpc_target": 2, "bpc_english": 2}
    assert (tmp_path / "forgetting.png").stat().st_size > 1000


def test_claims_md_decides_only_recipe_comparisons(run, tmp_path):
    root, metrics, _ = run
    scaling = root / "scaling.json"
    scaling.write_text(json.dumps(fit_from_metrics(wide(read_metrics_csv(metrics)),
                                                   ["chrf++_en-xx"])))
    claims = write_claims(metrics, root / "comparisons.csv", scaling, tmp_path / "claims.md",
                          "test-run", "Galician", ENDPOINTS, note="Sized for 60 minutes.",
                          disclosure="Base model: a stand-in.")
    verdicts = {claim["id"]: claim["verdict"] for claim in claims}
    assert list(verdicts) == ["C1", "C2", "C3", "C4", "C5", "C6", "C7"]
    assert verdicts["C1"] == "reproduced"  # CPT beats the control by design, 3 seeds each
    # one seed per SFT arm: checkpoint comparisons decide nothing, however large the effect
    assert verdicts["C3"] == verdicts["C5"] == verdicts["C7"] == "no verdict: checkpoint comparison"
    assert verdicts["C4"] == "inconclusive"  # 3 sizes, one seed each
    assert verdicts["C2"] == "inconclusive"  # no out-of-domain English bpc in this run
    text = (tmp_path / "claims.md").read_text()
    assert "Sized for 60 minutes." in text and "Base model: a stand-in." in text
    assert "| **C7**" in text and "a recipe test needs ≥ 3" in text
    assert "no baseline" in text  # no baseline/ rows in this run: said, not passed silently
    c1 = text.split("| **C1**")[1].split("\n")[0]
    assert "[" in c1 and "3 vs 3 seeds, recipe" in c1
    c3 = text.split("| **C3**")[1].split("\n")[0]
    assert "uncorrected, checkpoint)" in c3  # shown, outside Holm, deciding nothing


def test_run_name_defaults_to_language_and_config_stem():
    config = {"language": {"code": "gl"}, "run_name": None}
    assert run_name(config, ["configs/study-gl.yaml"]) == "gl-study-gl"
    assert run_name(config, []) == "gl-config"
    assert run_name({**config, "run_name": "default-run"}, ["config.yaml"]) == "default-run"


def test_direction_comparison_pairs_the_arms_that_differ_only_in_direction(run, tmp_path):
    root, metrics, comparisons = run
    table = wide(read_metrics_csv(metrics))
    # the default direction is filled in for SFT/DPO cells whose path leaves it out
    assert table.loc[table["checkpoint"] == XX_EN, "dir"].tolist() == ["xx-en"]
    assert set(table.loc[table["stage"].isin(["sft", "dpo"]), "dir"]) == {"en-xx", "xx-en"}
    assert table.loc[table["stage"] == "base", "dir"].isna().all()
    rows = comparisons[comparisons["marker"] == "d"]
    assert set(zip(rows["arm"], rows["reference"], strict=True)) == {
        ("sft/init=cpt/instr=mt/xlate=32", "sft/init=cpt/instr=mt/xlate=32/dir=xx-en")}
    chrf = rows[rows["metric"] == "chrf++_en-xx"].iloc[0]
    assert chrf["difference"] > 0 and chrf["significant"]
    assert chrf["ci_low"] < chrf["difference"] < chrf["ci_high"]
    # the xx→en arm is compared in no other ablation (they pair arms of one direction)
    assert not comparisons.loc[comparisons["marker"] != "d", "arm"].eq(arm_of(XX_EN)).any()
    write_tables(read_metrics_csv(metrics), tmp_path, "gl", "Galician", comparisons)
    instructions = pd.read_csv(tmp_path / "instructions.csv")
    assert set(instructions["translation data"]) == {"en-xx", "xx-en"}
    assert "ᵈ differs en→xx" in (tmp_path / "instructions.md").read_text()


def test_scaling_law_and_c4_use_the_configured_metric(run, tmp_path):
    root, metrics, _ = run
    table = wide(read_metrics_csv(metrics))
    fit = fit_from_metrics(table, ["bleu_en-xx"])["fits"]["bleu_en-xx"]
    # the xx→en cell at 32 examples is another series, not a second point at 32
    assert fit["x"] == [8.0, 32.0, 128.0] and fit["series"]["dir"] == "en-xx"
    scaling = tmp_path / "scaling.json"
    scaling.write_text(json.dumps(fit_from_metrics(table, ["bleu_en-xx"])))
    claims = write_claims(metrics, root / "comparisons.csv", scaling, tmp_path / "claims.md",
                          "test-run", "Galician", ENDPOINTS, scaling_metric="bleu_en-xx")
    c4 = next(claim for claim in claims if claim["id"] == "C4")
    assert c4["lines"][0]["metric"] == "bleu_en-xx" and "sizes [8, 32, 128]" in c4[
        "lines"][0]["comparison"]


def test_spearman_p_is_exact_on_few_points():
    """A perfect ρ on 3 sizes is p = 1/3 (scipy's t approximation says 0), on 5 sizes 1/60."""
    from langadapt.paper.claims import spearman

    assert spearman([8, 32, 128], [10.0, 11.0, 12.5]) == pytest.approx((1.0, 1 / 3))
    assert spearman([32, 64, 128, 256, 512], [5, 4, 3, 2, 1]) == pytest.approx((-1.0, 1 / 60))
    rho, p = spearman([1, 2, 3, 4], [2.0, 1.0, 4.0, 3.0])
    assert rho == pytest.approx(0.6) and 0.3 < p <= 1
    assert all(v != v for v in spearman([1, 2], [1, 2]))
