"""The floor of every metric: its best trivial baseline (rows of stage ``baseline`` in the wide
metrics table, rule ``eval_baselines``), and whether a model number beats it.

A metric is better lower when it is a bits-per-character metric (``bpc_*``), higher otherwise.
"""

import math

from langadapt.paper.aggregate import BASELINE_STAGE
from langadapt.paper.names import better_direction


def lower_is_better(metric: str) -> bool:
    return better_direction(metric) < 0


def baseline_floor(wide, metric: str) -> tuple[str, float] | None:
    """(baseline name, value) of the best baseline on ``metric``; None when no baseline has it.

    ``wide``: one row per checkpoint (``langadapt.paper.aggregate.wide``); the name is the
    checkpoint without its ``baseline/`` prefix (``copy_source``, ``mc_longest``).
    """
    if metric not in wide:
        return None
    rows = wide[(wide["stage"] == BASELINE_STAGE) & wide[metric].notna()]
    if rows.empty:
        return None
    best = rows[metric].idxmin() if lower_is_better(metric) else rows[metric].idxmax()
    return rows.loc[best, "checkpoint"].partition("/")[2], float(rows.loc[best, metric])


def beats_floor(value: float, floor: tuple[str, float] | None, metric: str) -> bool | None:
    """Whether ``value`` is strictly better than the floor; None when either is missing."""
    if floor is None or value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value < floor[1] if lower_is_better(metric) else value > floor[1]
