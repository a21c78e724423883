"""Ablation grids: expand the config's grid entries into cells and name them as path parts.

A grid entry is a mapping of axis -> list of values; it expands to the product of its lists.
A grid is a list of entries; the cells run are the union of the expansions, in order.
Every axis value appears in paths (``ratio=0.8/tokens=12k/synth=1.0/seed=1``), so changing
one value only adds or removes the cells it touches. The exception is an axis added after paths
existed (SFT ``translation_direction``, path part ``dir=``; SFT ``parts``, path part ``parts=``;
CPT ``corpus``, path part ``corpus=``): at the run's default it is left out, so earlier cells keep
their paths.
"""

import itertools
import re

from langadapt.errors import config_error

CPT_AXES = {
    "corpus": "corpus",
    "vocab_extension": "vocab",
    "mixing_ratio": "ratio",
    "token_budget": "tokens",
    "synthetic_weight": "synth",
    "seed": "seed",
}
SFT_AXES = {
    "init": "init",
    "instructions": "instr",
    "parts": "parts",
    "translation_examples": "xlate",
    "translation_direction": "dir",
    "seed": "seed",
}
# A DPO cell is the SFT cell it aligns plus the preference set it aligns on (path part prefs=,
# left out at 'all' = every part of dpo.parts).
DPO_AXES = {**{axis: short for axis, short in SFT_AXES.items() if axis != "seed"},
            "preference_parts": "prefs", "seed": "seed"}
# SFT axes a grid entry may leave out: the run's default is used (config key -> axis).
SFT_AXIS_DEFAULTS = {"translation_direction": "translation_direction"}

# Axes whose path part is left out at this value (added after paths existed, so every earlier
# path is unchanged): a CPT cell without ``vocab=N/`` uses the base tokenizer; an SFT cell
# without ``parts=NAME/`` trains on every part of ``sft.parts``; a CPT cell without
# ``corpus=NAME/`` has every target source in its ``real`` corpus.
ALL_PARTS = "all"
ALL_SOURCES = "all"
IMPLICIT_DEFAULTS = {"vocab_extension": "0", "parts": ALL_PARTS, "corpus": ALL_SOURCES,
                     "preference_parts": ALL_PARTS}
# A mixture does not depend on the training seed.
MIXTURE_AXES = {axis: short for axis, short in CPT_AXES.items() if axis != "seed"}

_SUFFIXES = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9}


def parse_token_count(value, key: str = "token_budget") -> int:
    """``12k`` -> 12000, ``2M`` -> 2000000; integers pass through."""
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)([kKmMbB]?)", str(value).strip())
    if not match:
        raise config_error(key, f"{value!r} is not a token count such as 12k or 2M")
    return int(float(match.group(1)) * _SUFFIXES[match.group(2).lower()])


def _format(axis: str, value) -> str:
    if axis in ("mixing_ratio", "synthetic_weight"):
        return repr(float(value))
    return str(value)


def expand_grid(entries: list[dict], axes: dict[str, str],
                defaults: dict | None = None) -> list[dict[str, str]]:
    """Union of the products of ``entries``; each cell maps axis -> formatted value.
    An axis an entry leaves out takes its value from ``defaults`` (axis -> value); an optional
    axis (``SFT_AXIS_DEFAULTS``) without a default is left out of the cell."""
    cells: list[dict[str, str]] = []
    defaults = defaults or {}
    for entry in entries:
        names = [name for name in axes if name in entry or name in defaults
                 or name in IMPLICIT_DEFAULTS or name not in SFT_AXIS_DEFAULTS]
        lists = [entry[name] if name in entry
                 else [defaults[name]] if name in defaults
                 else [IMPLICIT_DEFAULTS[name]] if name in IMPLICIT_DEFAULTS
                 else entry[name] for name in names]
        for values in itertools.product(*lists):
            cell = {name: _format(name, value) for name, value in zip(names, values, strict=True)}
            if cell not in cells:
                cells.append(cell)
    return cells


def cell_path(cell: dict[str, str], axes: dict[str, str], implicit: dict | None = None) -> str:
    """``{mixing_ratio: '0.8', ...}`` -> ``ratio=0.8/tokens=12k/synth=1.0/seed=1``
    (``vocab=4000/ratio=...`` for an extended vocabulary).

    An axis whose value equals ``implicit[axis]`` or ``IMPLICIT_DEFAULTS[axis]`` is left out of
    the path (axes added after paths existed: cells at the default keep their earlier path)."""
    implicit = {**IMPLICIT_DEFAULTS, **(implicit or {})}
    return "/".join(f"{short}={cell[axis]}" for axis, short in axes.items()
                    if axis in cell and (axis not in implicit or cell[axis] != implicit[axis]))


def sft_defaults(config: dict) -> dict[str, str]:
    """SFT axes at the run's default: ``translation_direction`` -> ``sft.translation_direction``."""
    return {axis: str(config["sft"][key]) for axis, key in SFT_AXIS_DEFAULTS.items()}


def sft_cell_path(config: dict, cell: dict[str, str]) -> str:
    """``init=cpt/instr=mt/xlate=128/seed=1``; ``.../xlate=128/dir=xx-en/seed=1`` when the cell's
    translation direction differs from ``sft.translation_direction``."""
    return cell_path(cell, SFT_AXES, sft_defaults(config))


def cpt_cells(config: dict) -> list[dict[str, str]]:
    """CPT cells; none when ``cpt.enabled`` is false."""
    if not config["cpt"].get("enabled", True):
        return []
    return expand_grid(config["cpt"]["grid"], CPT_AXES)


def sft_cells(config: dict) -> list[dict[str, str]]:
    return expand_grid(config["sft"]["grid"], SFT_AXES, sft_defaults(config))


def dpo_cells(config: dict) -> list[dict[str, str]]:
    """DPO cells; none when ``dpo.enabled`` is false."""
    if not config["dpo"].get("enabled", True):
        return []
    return expand_grid(config["dpo"]["grid"], DPO_AXES, sft_defaults(config))


def dpo_cell_path(config: dict, cell: dict[str, str]) -> str:
    """The aligned SFT cell's path, with ``/prefs=<set>`` before ``seed=`` off the set all."""
    return cell_path(cell, DPO_AXES, sft_defaults(config))


def sft_init_cell(config: dict) -> dict[str, str]:
    """The CPT cell that SFT with ``init=cpt`` starts from."""
    chosen = config["sft"]["cpt_cell"]
    values = {**IMPLICIT_DEFAULTS, **chosen}
    cell = {axis: _format(axis, values[axis]) for axis in CPT_AXES}
    # Checked against the grid as written, so a disabled CPT stage still names a valid cell.
    if cell not in expand_grid(config["cpt"]["grid"], CPT_AXES):
        raise config_error("sft.cpt_cell", f"{chosen} is not a cell of cpt.grid")
    return cell


def joint_cells(config: dict) -> list[dict[str, str]]:
    """SFT cells also tuned jointly on every language (``sft.joint``): those that start from the
    base model, narrowed to the cells matching an entry of ``sft.joint_cells`` when it is set."""
    if not config["sft"].get("joint"):
        return []
    cells = [cell for cell in sft_cells(config) if cell["init"] == "base"]
    chosen = config["sft"].get("joint_cells")
    if chosen is None:
        return cells
    kept = []
    for index, entry in enumerate(chosen):
        key = f"sft.joint_cells[{index}]"
        unknown = sorted(set(entry) - set(SFT_AXES))
        if unknown:
            raise config_error(key, f"{unknown[0]!r} is not an SFT axis; axes: "
                               f"{', '.join(SFT_AXES)}")
        wanted = {axis: _format(axis, value) for axis, value in entry.items()}
        matched = [cell for cell in cells
                   if all(cell[axis] == value for axis, value in wanted.items())]
        if not matched:
            raise config_error(key, f"{entry} matches no sft.grid cell that starts from the "
                               "base model (init: base)")
        kept += [cell for cell in matched if cell not in kept]
    return kept


def sft_init_coordinates(config: dict) -> dict[str, str]:
    """``sft.cpt_cell`` as path coordinates (ratio, tokens, synth, seed) for the paper tables."""
    cell = sft_init_cell(config)
    return {short: cell[axis] for axis, short in CPT_AXES.items()}


def part_set(config: dict, name: str, stage: str = "sft") -> list[str]:
    """Names of the ``<stage>.parts`` in part set ``name`` (``all``: every part, in config
    order); ``stage`` dpo: the preference sets of ``dpo.part_sets``."""
    if name == ALL_PARTS:
        return [part["name"] for part in config[stage]["parts"]]
    sets = config[stage].get("part_sets") or {}
    axis = "parts" if stage == "sft" else "preference_parts"
    if name not in sets:
        raise config_error(f"{stage}.grid.{axis}", f"unknown part set '{name}' ({stage}.part_sets "
                                                   f"has {sorted(sets) or 'none'}; 'all' = every "
                                                   "part)")
    return list(sets[name])


def corpus_set(config: dict, name: str) -> list[str] | None:
    """Target sources whose clean train text is the ``real`` corpus of CPT corpus set ``name``
    (``cpt.corpus_sets``); None for ``all`` (every target source: the whole clean train split)."""
    if name == ALL_SOURCES:
        return None
    sets = config["cpt"].get("corpus_sets") or {}
    if name not in sets:
        raise config_error("cpt.grid.corpus", f"unknown corpus set '{name}' (cpt.corpus_sets "
                                              f"has {sorted(sets) or 'none'}; 'all' = every "
                                              "target source)")
    return list(sets[name])
