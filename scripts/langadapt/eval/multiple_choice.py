"""A multiple-choice task that length alone cannot solve (rule ``eval_data``).

Belebele-like items: an English sentence and four target-language sentences, one of them its
human translation. Each item is given a length rank for its answer (0 = shortest of the four
.. 3 = longest), balanced over the items (each rank on a quarter of them, seeded;
``balanced_ranks``);
its three distractors are other held-out target sentences, ``rank`` of them strictly shorter
than the answer and the rest strictly longer, drawn from the ``NEIGHBOURS`` nearest in length
on each side. The answer's position among the choices is drawn independently. A chooser that
only looks at lengths (longest, shortest, median) therefore scores 25 % in expectation;
``length_baselines`` measures it on the built items with a Wilson 95 % interval.
"""

import math
import random

CHOICES = 4
NEIGHBOURS = 12  # distractor candidates per side, nearest in length first


def _sample(items: list[dict], count: int, seed: int) -> list[dict]:
    order = sorted(items, key=lambda item: item["id"])
    random.Random(seed).shuffle(order)
    return order[:count]


def build_multiple_choice(pairs: list[dict], count: int, seed: int,
                          exclude: set[str] = frozenset()) -> list[dict]:
    """``{"id", "en", "choices", "answer", "answer_length_rank"}`` items (seeded).

    ``pairs`` whose English or target text is in ``exclude`` (the translation test set) are
    neither items nor distractors.
    """
    pool = [p for p in pairs if p["en"] not in exclude and p["target"] not in exclude]
    if len(pool) < CHOICES:
        return []
    rng = random.Random(seed)
    by_length = sorted(pool, key=lambda pair: (len(pair["target"]), pair["id"]))
    lengths = [len(pair["target"]) for pair in by_length]
    candidates = []
    for pair in _sample(pool, count, seed):
        length = len(pair["target"])
        shorter = [p for p, n in zip(by_length, lengths, strict=True) if n < length]
        longer = [p for p, n in zip(by_length, lengths, strict=True) if n > length]
        feasible = [rank for rank in range(CHOICES)
                    if rank <= len(shorter) and CHOICES - 1 - rank <= len(longer)]
        if feasible:  # else every other sentence has the answer's length
            candidates.append((pair, shorter, longer, feasible))
    ranks = balanced_ranks([feasible for _, _, _, feasible in candidates], rng)
    items = []
    for (pair, shorter, longer, _), rank in zip(candidates, ranks, strict=True):
        distractors = (rng.sample(shorter[-NEIGHBOURS:], rank)
                       + rng.sample(longer[:NEIGHBOURS], CHOICES - 1 - rank))
        rng.shuffle(distractors)
        answer = rng.randrange(CHOICES)
        choices = [p["target"] for p in distractors]
        choices.insert(answer, pair["target"])
        items.append({"id": pair["id"], "en": pair["en"], "choices": choices, "answer": answer,
                      "answer_length_rank": rank})
    return items


def balanced_ranks(feasible: list[list[int]], rng: random.Random) -> list[int]:
    """One rank per item from its feasible ranks, each rank on a quarter of the items.

    Items with the fewest feasible ranks (the shortest and longest sentences) choose first;
    each takes the feasible rank with the most places left (ties broken by ``rng``).
    """
    left = [len(feasible) // CHOICES + (rank < len(feasible) % CHOICES)
            for rank in range(CHOICES)]
    rng.shuffle(left)
    ranks = [0] * len(feasible)
    order = sorted(range(len(feasible)), key=lambda i: (len(feasible[i]), rng.random()))
    for index in order:
        best = max(left[rank] for rank in feasible[index])
        rank = rng.choice([rank for rank in feasible[index] if left[rank] == best])
        left[rank] -= 1
        ranks[index] = rank
    return ranks


def wilson_interval(successes: int, trials: int, z: float = 1.959964) -> list[float] | None:
    """Wilson score 95 % interval of a proportion."""
    if trials == 0:
        return None
    share = successes / trials
    centre = (share + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
    half /= 1 + z * z / trials
    return [centre - half, centre + half]


def _by_length(choices: list[str]) -> list[int]:
    return sorted(range(len(choices)), key=lambda index: (len(choices[index]), index))


LENGTH_CHOOSERS = {
    "longest": lambda item: _by_length(item["choices"])[-1],
    "shortest": lambda item: _by_length(item["choices"])[0],
    "median": lambda item: _by_length(item["choices"])[(len(item["choices"]) - 1) // 2],
}


def accuracy(correct: list[bool]) -> dict:
    """``{"acc", "ci95", "items"}`` (Wilson interval)."""
    hits = sum(bool(value) for value in correct)
    return {"acc": hits / len(correct) if correct else float("nan"),
            "ci95": wilson_interval(hits, len(correct)), "items": len(correct)}


def length_baselines(items: list[dict]) -> dict:
    """Accuracy of choosers that see only the choices' lengths, beside chance (1 / choices)."""
    out = {name: accuracy([choose(item) == item["answer"] for item in items])
           for name, choose in LENGTH_CHOOSERS.items()}
    out["chance"] = 1 / CHOICES
    return out
