"""Grid expansion and cell naming."""

import pytest
from langadapt import grids
from langadapt.errors import LangadaptError


def test_union_of_products_without_duplicates():
    entries = [
        {
            "init": ["base", "cpt"],
            "instructions": ["mt"],
            "translation_examples": [128],
            "seed": [1],
        },
        {"init": ["cpt"], "instructions": ["mt"], "translation_examples": [16, 128], "seed": [1]},
    ]
    cells = grids.expand_grid(entries, grids.SFT_AXES)
    paths = [grids.cell_path(cell, grids.SFT_AXES) for cell in cells]
    assert paths == [
        "init=base/instr=mt/xlate=128/seed=1",
        "init=cpt/instr=mt/xlate=128/seed=1",
        "init=cpt/instr=mt/xlate=16/seed=1",
    ]


def test_ratios_are_formatted_canonically():
    cells = grids.expand_grid(
        [{"mixing_ratio": [1, 0.8], "token_budget": ["12k"], "synthetic_weight": [0], "seed": [3]}],
        grids.CPT_AXES,
    )
    assert [grids.cell_path(c, grids.CPT_AXES) for c in cells] == [
        "ratio=1.0/tokens=12k/synth=0.0/seed=3",
        "ratio=0.8/tokens=12k/synth=0.0/seed=3",
    ]


@pytest.mark.parametrize(
    "text,count", [("12k", 12000), ("2M", 2_000_000), ("1.5k", 1500), (300, 300), ("1B", 10**9)]
)
def test_parse_token_count(text, count):
    assert grids.parse_token_count(text) == count


def test_parse_token_count_rejects_garbage():
    with pytest.raises(LangadaptError, match="token_budget"):
        grids.parse_token_count("lots")


def test_thousand_cell_grid_expands_fast():
    entry = {
        "mixing_ratio": [i / 9 for i in range(10)],
        "token_budget": [f"{i}k" for i in range(1, 11)],
        "synthetic_weight": [0.1 * i for i in range(10)],
        "seed": [1],
    }
    assert len(grids.expand_grid([entry], grids.CPT_AXES)) == 1000


def _direction_config(default="en-xx"):
    return {"sft": {"translation_direction": default, "grid": [
        {"init": ["cpt"], "instructions": ["mt"], "translation_examples": [128], "seed": [1]},
        {"init": ["cpt"], "instructions": ["mt"], "translation_examples": [128], "seed": [1],
         "translation_direction": ["en-xx", "xx-en"]},
    ]}, "dpo": {"enabled": True, "grid": [
        {"init": ["cpt"], "instructions": ["mt"], "translation_examples": [128], "seed": [1],
         "translation_direction": ["xx-en"]}]}}


def test_translation_direction_axis_leaves_the_default_out_of_the_path():
    config = _direction_config()
    paths = [grids.sft_cell_path(config, cell) for cell in grids.sft_cells(config)]
    # the run's default direction keeps the path SFT cells had before the axis existed
    assert paths == ["init=cpt/instr=mt/xlate=128/seed=1",
                     "init=cpt/instr=mt/xlate=128/dir=xx-en/seed=1"]
    assert [grids.sft_cell_path(config, cell) for cell in grids.dpo_cells(config)] == [
        "init=cpt/instr=mt/xlate=128/dir=xx-en/seed=1"]


def test_translation_direction_path_follows_the_run_default():
    config = _direction_config("xx-en")
    paths = [grids.sft_cell_path(config, cell) for cell in grids.sft_cells(config)]
    assert paths == ["init=cpt/instr=mt/xlate=128/seed=1",
                     "init=cpt/instr=mt/xlate=128/dir=en-xx/seed=1"]


def _parts_config(grid, part_sets=None):
    return {"sft": {"translation_direction": "en-xx", "grid": grid,
                    "parts": [{"name": "alpaca_en"}, {"name": "alpaca_mt"}],
                    "part_sets": part_sets or {}}}


def test_part_set_axis_keeps_default_paths_and_names_the_others():
    config = _parts_config(
        [{"init": ["base"], "instructions": ["mt"], "translation_examples": [0], "seed": [1]},
         {"init": ["base"], "instructions": ["mt"], "parts": ["en_only", "all"],
          "translation_examples": [0], "seed": [1]}],
        {"en_only": ["alpaca_en"]})
    paths = [grids.sft_cell_path(config, cell) for cell in grids.sft_cells(config)]
    assert paths == ["init=base/instr=mt/xlate=0/seed=1",
                     "init=base/instr=mt/parts=en_only/xlate=0/seed=1"]
    assert grids.part_set(config, "all") == ["alpaca_en", "alpaca_mt"]
    assert grids.part_set(config, "en_only") == ["alpaca_en"]


def test_unknown_part_set_names_the_key():
    with pytest.raises(LangadaptError, match=r"sft.grid.parts.*'nope'"):
        grids.part_set(_parts_config([]), "nope")
