"""Tables, figures and the compute table from synthetic per-checkpoint metrics."""

import json

import pandas as pd
import pytest
from langadapt.paper.aggregate import collect_metrics, read_metrics_csv, wide, write_metrics_csv
from langadapt.paper.compute_table import write_compute_table
from langadapt.paper.figures import forgetting_figure, loss_curves_figure, scaling_figure
from langadapt.paper.scaling_law import fit_from_metrics, scaling_law
from langadapt.paper.tables import write_tables

CPT = "ratio={r}/tokens=12k/synth=1.0/seed=1"
SFT = "init={i}/instr={m}/xlate={x}/seed=1"
CPT_CELL = {"ratio": "0.8", "tokens": "12k", "synth": "1.0", "seed": "1"}


def checkpoints(full: bool = True) -> list[str]:
    names = ["base"] + [f"cpt/{CPT.format(r=r)}" for r in ((0.5, 0.8, 1.0) if full else (0.8,))]
    sft = [("cpt", "mt", 128)]
    if full:
        sft += [("base", "mt", 128), ("cpt", "human", 128)]
        sft += [("cpt", "mt", x) for x in (16, 32, 64)]
    names += [f"sft/{SFT.format(i=i, m=m, x=x)}" for i, m, x in sft]
    return names + ["dpo/" + SFT.format(i="cpt", m="mt", x=128)]


def fake_metrics(name: str) -> dict:
    xlate = int(name.split("xlate=")[1].split("/")[0]) if "xlate=" in name else 0
    ratio = float(name.split("ratio=")[1].split("/")[0]) if "ratio=" in name else 0.0
    chrf = float(scaling_law(xlate, 60, 0.8)) if xlate else 20.0
    metrics = {"bpc_target": 2.0 - ratio * 0.5, "bpc_english": 1.0 + ratio * 0.3,
               "chrf++_en-xx": chrf, "bleu_en-xx": chrf / 3, "chrf++_xx-en": 30.0,
               "bleu_xx-en": 9.0, "mc_acc": 0.25 + ratio / 10,
               "if_target_language_share": 0.5, "if_chrf": 20.0}
    return metrics


def write_fake(tmp_path, names) -> list:
    paths = []
    for index, name in enumerate(names):
        path = tmp_path / "eval" / f"{index}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        result = {"checkpoint": name, "lang": "gl", "metrics": fake_metrics(name)}
        path.write_text(json.dumps(result))
        paths.append(path)
    return paths


@pytest.fixture
def metrics_csv(tmp_path):
    paths = write_fake(tmp_path, checkpoints())
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("id,prompt,response,reference,correct,partially_correct,wrong\n"
                     "1,p,r,x,x,,\n2,p,r,x,,,x\n")
    out = tmp_path / "metrics.csv"
    write_metrics_csv(paths, out, manual_sheets={checkpoints()[-1]: sheet}, cpt_cell=CPT_CELL)
    return out


def test_tidy_metrics_have_grid_columns(metrics_csv):
    frame = read_metrics_csv(metrics_csv)
    assert {"stage", "ratio", "tokens", "synth", "seed", "init", "instr", "xlate", "metric",
            "value", "source"} <= set(frame.columns)
    dpo = frame[(frame["stage"] == "dpo") & (frame["metric"] == "manual_correct")]
    assert dpo["value"].iloc[0] == 0.5 and dpo["ratio"].iloc[0] == 0.8  # inherited from CPT
    assert len(wide(frame)) == len(checkpoints())


def test_tables(metrics_csv, tmp_path):
    notes = write_tables(read_metrics_csv(metrics_csv), tmp_path / "tables", "gl", "Galician")
    assert notes["stages"] == notes["mixing_ratio"] == notes["instructions"] == notes["cpt"] == ""
    assert "synthetic weight" in notes["synthetic"]  # one synth value: a note, not rows
    stages = pd.read_csv(tmp_path / "tables" / "stages.csv")
    assert stages["stage"].tolist() == ["base", "cpt", "sft", "dpo"]
    assert stages["seeds"].tolist() == [1, 1, 1, 1]
    tex = (tmp_path / "tables" / "stages.tex").read_text()
    assert r"\toprule" in tex and r"\bottomrule" in tex and "bpc gl" in tex
    markdown = (tmp_path / "tables" / "mixing_ratio.md").read_text()
    assert "| base |" in markdown and "| cpt | 0.5 |" in markdown
    assert "No comparison of this table is significant" in markdown  # no comparisons given
    cpt = pd.read_csv(tmp_path / "tables" / "cpt.csv")
    assert set(cpt["init"]) == {"with CPT", "without CPT"}


def test_tables_without_ablations_hold_notes(tmp_path):
    frame = collect_metrics(write_fake(tmp_path, checkpoints(full=False)), cpt_cell=CPT_CELL)
    notes = write_tables(frame, tmp_path / "tables", "gl", "Galician")
    assert notes["stages"] == "" and "mixing ratios" in notes["mixing_ratio"]
    assert "Omitted" in (tmp_path / "tables" / "instructions.md").read_text()
    # the scaling law with one translation size says so instead of failing
    fit = fit_from_metrics(wide(frame), ["chrf++_en-xx"])["fits"]["chrf++_en-xx"]
    assert fit["fitted"] is False and "1 distinct sizes" in fit["reason"]
    scaling_figure({"fits": {"chrf++_en-xx": fit}}, tmp_path / "scaling", "gl")
    assert (tmp_path / "scaling.png").exists()


def test_figures(metrics_csv, tmp_path):
    table = wide(read_metrics_csv(metrics_csv))
    forgetting_figure(table, tmp_path / "figures" / "forgetting", "Galician")
    scaling = fit_from_metrics(table, ["chrf++_en-xx", "bleu_en-xx"])
    fit = scaling["fits"]["chrf++_en-xx"]
    assert fit["fitted"] and fit["b"] == pytest.approx(0.8, rel=1e-3)
    scaling_figure(scaling, tmp_path / "figures" / "scaling", "gl")
    logs = {}
    for name in checkpoints()[1:]:
        path = tmp_path / "logs" / name / "train_log.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        steps = range(1, 21)
        pd.DataFrame({"step": steps, "epoch": [s / 20 for s in steps],
                      "loss": [3 / s ** 0.3 for s in steps], "learning_rate": 1e-4,
                      "tokens_seen": [s * 1024 for s in steps], "elapsed_s": steps}).to_csv(
            path, index=False)
        logs[name] = path
    loss_curves_figure(logs, tmp_path / "figures" / "loss_curves")
    for stem in ("forgetting", "scaling", "loss_curves"):
        for suffix in (".pdf", ".png"):
            assert (tmp_path / "figures" / (stem + suffix)).stat().st_size > 1000


def test_loss_curves_draw_the_dev_loss_of_cells_that_evaluated(tmp_path):
    logs = {}
    for name in ("cpt/ratio=0.5/seed=1", "cpt/ratio=0.8/seed=1"):
        path = tmp_path / name / "train_log.csv"
        path.parent.mkdir(parents=True)
        pd.DataFrame({"step": [1, 2, 3, 4], "loss": [4.0, 3.0, 2.5, 2.2]}).to_csv(path,
                                                                                 index=False)
        logs[name] = path
    # only the second cell evaluated (as trainer log_history rows: an empty cell is skipped)
    pd.DataFrame({"step": [2, 4], "epoch": [0.5, 1.0], "eval_target_loss": [3.5, 2.9],
                  "eval_english_loss": [3.1, None], "elapsed_s": [1, 2]}).to_csv(
        tmp_path / "cpt/ratio=0.8/seed=1/eval_log.csv", index=False)
    drawn = loss_curves_figure(logs, tmp_path / "loss_curves")
    assert drawn["cpt/ratio=0.5/seed=1"] == {"train": ([1, 2, 3, 4], [4.0, 3.0, 2.5, 2.2])}
    assert drawn["cpt/ratio=0.8/seed=1"] == {
        "train": ([1, 2, 3, 4], [4.0, 3.0, 2.5, 2.2]),
        "dev target": ([2, 4], [3.5, 2.9]), "dev english": ([2], [3.1])}
    assert (tmp_path / "loss_curves.png").stat().st_size > 1000


def test_compute_table_reads_only_the_runs_files(tmp_path):
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    mine = tmp_path / "benchmarks" / "cpt" / "gl" / "ratio=0.8.tsv"
    other = tmp_path / "benchmarks" / "cpt" / "gl" / "ratio=0.5.tsv"
    for path in (mine, other):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header + "10.0\t0:00:10\t800\t900\t800\t805\t0\t1\t95\t20.1\n")
    table = write_compute_table(tmp_path / "benchmarks", tmp_path / "c.csv", tmp_path / "c.md",
                                files=[str(mine), str(tmp_path / "benchmarks" / "absent.tsv")])
    assert table["cell"].tolist() == ["gl/ratio=0.8"]
    assert "Job-seconds in total: 10." in (tmp_path / "c.md").read_text()


def test_compute_table(tmp_path):
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    for rule, cell, seconds in (("eval_checkpoint", "gl/base", 12.5), ("cpt", "gl/ratio=0.8", 99.0),
                                ("prepare_base_model", "", 30.0)):
        path = tmp_path / "benchmarks" / rule / (cell + ".tsv" if cell else "x.tsv")
        if not cell:
            path = tmp_path / "benchmarks" / f"{rule}.tsv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header + f"{seconds}\t0:00:12\t812.5\t900\t800\t805\t0\t1\t95\t20.1\n")
    table = write_compute_table(tmp_path / "benchmarks", tmp_path / "c.csv", tmp_path / "c.md")
    assert sorted(table["rule"]) == ["cpt", "eval_checkpoint", "prepare_base_model"]
    row = table[table["rule"] == "eval_checkpoint"].iloc[0]
    assert row["cell"] == "gl/base" and row["wall_s"] == 12.5 and row["max_rss_mb"] == 812.5
    assert "| eval_checkpoint | gl/base | 12.5 |" in (tmp_path / "c.md").read_text()
