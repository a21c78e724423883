"""A multiple-choice task that only knowledge of the language solves (rule ``eval_data``).

Belebele-like items: an English sentence and four target-language sentences, one of them its
human translation. The three distractors are that translation with words swapped out, on a
2 x 2 grid: two of its words (``a``, ``b``) are each given a replacement (``a'``, ``b'``) and
the choices are ``(a, b)`` (the answer), ``(a', b)``, ``(a, b')`` and ``(a', b')``. So:

- every choice keeps the answer's names, numbers, markup and length (a replacement has the
  replaced word's length), and no choice is more central than another (each differs from the
  others by one swap, one swap and both): length, position and consensus (the choice most like
  the others) say nothing;
- swapped words are lower-case words of at least ``MIN_WORD_CHARS`` letters that are not in the
  English sentence, replaced by words of other held-out target sentences (drawn by frequency)
  that are not in it either: token overlap with the English is the same for the four choices;
- of the candidate grids of an item, one is kept where the answer has (or has not) the highest
  sentence chrF against the English, the answer having it on a quarter of the items
  (``balanced_choice``): chrF against the English picks the answer at chance.

A replacement is another word of the help text that shares no ``SHARED_PREFIX``-letter prefix
with the replaced one (not an inflection of it): the distractors are wrong, not paraphrases.
The answer's position is balanced over the four places. ``chooser_accuracies`` measures every
non-model chooser on the built items, with a Wilson 95 % interval: random, length rules,
consensus, word frequency within the items, and overlap (chrF, tokens, length) with the English.
"""

import math
import random
import re
from collections import Counter
from functools import cache

CHOICES = 4
CANDIDATES = 6  # replacements tried per swapped word (CANDIDATES ** 2 grids)
MIN_WORD_CHARS = 4
SHARED_PREFIX = 4  # a replacement sharing this many first letters is an inflection: refused
_WORD = re.compile(r"\w+")


@cache
def _chrf():
    from sacrebleu.metrics import CHRF

    return CHRF()


def chrf_against(text: str, reference: str) -> float:
    """Sentence chrF (sacrebleu defaults) of ``text`` against ``reference``."""
    return _chrf().sentence_score(text, [reference]).score


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return [word.lower() for word in _WORD.findall(text)]


def _swappable(word: str, english: set[str]) -> bool:
    return len(word) >= MIN_WORD_CHARS and word.isalpha() and word.islower() and word not in english


def replacement_words(targets: list[str]) -> dict[int, list[str]]:
    """The swappable words of ``targets`` by length, each as often as it occurs (sorted)."""
    by_length: dict[int, list[str]] = {}
    for word in sorted(w for text in targets for w in _WORD.findall(text) if _swappable(w, set())):
        by_length.setdefault(len(word), []).append(word)
    return by_length


def _replacements(word: str, refused: set[str], by_length: dict[int, list[str]],
                  rng: random.Random) -> list[str]:
    """Up to ``CANDIDATES`` distinct words of ``word``'s length, drawn by frequency."""
    out: list[str] = []
    same_length = by_length.get(len(word), [])
    for index in rng.sample(range(len(same_length)), len(same_length)):
        other = same_length[index]
        if other not in refused and other not in out \
                and other[:SHARED_PREFIX] != word[:SHARED_PREFIX]:
            out.append(other)
            if len(out) == CANDIDATES:
                break
    return out


def _swap(text: str, edits: list[tuple[re.Match, str]]) -> str:
    for match, word in sorted(edits, key=lambda edit: -edit[0].start()):
        text = text[: match.start()] + word + text[match.end():]
    return text


def distractor_grids(pair: dict, by_length: dict[int, list[str]],
                     rng: random.Random) -> dict[bool, list[list[str]]]:
    """Candidate distractor triples of ``pair``, keyed by whether the answer keeps the highest
    chrF against the English (strictly above every distractor) or loses it (strictly below
    one); ties are left out. Empty when fewer than two words can be swapped."""
    english = set(tokens(pair["en"]))
    slots = [m for m in _WORD.finditer(pair["target"]) if _swappable(m.group(), english)]
    if len(slots) < 2:
        return {}
    a, b = rng.sample(slots, 2)
    refused = english | set(tokens(pair["target"]))
    swaps_a = _replacements(a.group(), refused, by_length, rng)
    swaps_b = _replacements(b.group(), refused, by_length, rng)
    answer_score = chrf_against(pair["target"], pair["en"])
    grids: dict[bool, list[list[str]]] = {True: [], False: []}
    for word_a in swaps_a:
        for word_b in swaps_b:
            triple = [_swap(pair["target"], [(a, word_a)]), _swap(pair["target"], [(b, word_b)]),
                      _swap(pair["target"], [(a, word_a), (b, word_b)])]
            best = max(chrf_against(text, pair["en"]) for text in triple)
            if best != answer_score:
                grids[answer_score > best].append(triple)
    return {wins: triples for wins, triples in grids.items() if triples}


def build_multiple_choice(pairs: list[dict], count: int, seed: int,
                          exclude: set[str] = frozenset()) -> list[dict]:
    """``{"id", "en", "choices", "answer"}`` items (seeded), at most ``count``.

    ``pairs`` whose English or target text is in ``exclude`` (the translation test set) are
    neither items nor a source of replacement words.
    """
    pool = [p for p in pairs if p["en"] not in exclude and p["target"] not in exclude]
    pool.sort(key=lambda pair: pair["id"])
    by_length = replacement_words([pair["target"] for pair in pool])
    rng = random.Random(seed)
    order = list(pool)
    rng.shuffle(order)
    candidates = []
    for pair in order:
        grids = distractor_grids(pair, by_length, rng)
        if grids:
            candidates.append((pair, grids))
        if len(candidates) == count:
            break
    wins = balanced_choice([sorted(grids) for _, grids in candidates],
                           quotas={True: round(len(candidates) / CHOICES)}, rng=rng)
    places = [index % CHOICES for index in range(len(candidates))]
    rng.shuffle(places)
    items = []
    for (pair, grids), answer_wins, answer in zip(candidates, wins, places, strict=True):
        choices = list(rng.choice(grids[answer_wins]))
        rng.shuffle(choices)
        choices.insert(answer, pair["target"])
        items.append({"id": pair["id"], "en": pair["en"], "choices": choices, "answer": answer})
    return items


def balanced_choice(feasible: list[list], quotas: dict, rng: random.Random) -> list:
    """One option per item from its feasible options, option ``o`` on ``quotas[o]`` items
    (options without a quota share the rest).

    Items with the fewest feasible options choose first; each takes the feasible option with
    the most places left (ties broken by ``rng``).
    """
    options = sorted({option for choices in feasible for option in choices})
    free = [option for option in options if option not in quotas]
    rest = len(feasible) - sum(quotas.values())
    left = {option: quotas.get(option, 0) for option in options}
    for index, option in enumerate(free):
        left[option] = rest // len(free) + (index < rest % len(free))
    chosen = [None] * len(feasible)
    order = sorted(range(len(feasible)), key=lambda i: (len(feasible[i]), rng.random()))
    for index in order:
        best = max(left[option] for option in feasible[index])
        option = rng.choice([o for o in feasible[index] if left[o] == best])
        left[option] -= 1
        chosen[index] = option
    return chosen


def wilson_interval(successes: float, trials: int, z: float = 1.959964) -> list[float] | None:
    """Wilson score 95 % interval of a proportion."""
    if trials == 0:
        return None
    share = successes / trials
    centre = (share + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
    half /= 1 + z * z / trials
    return [centre - half, centre + half]


def accuracy(correct: list[bool]) -> dict:
    """``{"acc", "ci95", "items"}`` (Wilson interval)."""
    hits = sum(bool(value) for value in correct)
    return {"acc": hits / len(correct) if correct else float("nan"),
            "ci95": wilson_interval(hits, len(correct)), "items": len(correct)}


def _argmax(scores: list[float]) -> int:
    """Index of the highest score, the first one on ties."""
    return max(range(len(scores)), key=lambda index: (scores[index], -index))


def _by_length(choices: list[str]) -> list[int]:
    return sorted(range(len(choices)), key=lambda index: (len(choices[index]), index))


def _token_overlap(text: str, english: set[str]) -> float:
    words = tokens(text)
    return sum(word in english for word in words) / len(words) if words else 0.0


def _consensus(choices: list[str]) -> int:
    """The choice most like the others (mean chrF against each other choice)."""
    return _argmax([sum(chrf_against(text, other) for j, other in enumerate(choices) if j != i)
                    for i, text in enumerate(choices)])


# Choosers that see the choices only, then those that also read the English sentence.
CHOOSERS = {
    "longest": lambda item: _by_length(item["choices"])[-1],
    "shortest": lambda item: _by_length(item["choices"])[0],
    "median": lambda item: _by_length(item["choices"])[(len(item["choices"]) - 1) // 2],
    "consensus": lambda item: _consensus(item["choices"]),
}
ENGLISH_CHOOSERS = {
    "closest_length": lambda item: _argmax([-abs(len(c) - len(item["en"]))
                                            for c in item["choices"]]),
    "chrf_overlap": lambda item: _argmax([chrf_against(c, item["en"]) for c in item["choices"]]),
    "token_overlap": lambda item: _argmax([_token_overlap(c, set(tokens(item["en"])))
                                           for c in item["choices"]]),
}


def _score(correct: list[bool]) -> dict:
    hits = sum(correct)
    return {"acc": hits / len(correct), "ci95": wilson_interval(hits, len(correct)),
            "n": len(correct)}


def chooser_accuracies(items: list[dict]) -> dict[str, dict]:
    """``{chooser: {"acc", "ci95", "n"}}`` of every non-model chooser (Wilson 95 % interval).

    ``random`` is the expected accuracy of a uniform guess (mean of 1 / choices). The
    ``ENGLISH_CHOOSERS`` run on the items that carry an English sentence and are absent (not 0)
    when none does.
    """
    if not items:
        return {}
    expected = sum(1 / len(item["choices"]) for item in items)
    out = {"random": {"acc": expected / len(items), "ci95": wilson_interval(expected, len(items)),
                      "n": len(items)}}
    for name, choose in CHOOSERS.items():
        out[name] = _score([choose(item) == item["answer"] for item in items])
    counts = Counter(word for item in items for text in item["choices"] for word in tokens(text))
    for name, sign in (("frequent_words", 1), ("rare_words", -1)):
        out[name] = _score([_argmax([sign * sum(math.log(counts[word]) for word in tokens(c))
                                     for c in item["choices"]]) == item["answer"]
                            for item in items])
    with_english = [item for item in items if item.get("en")]
    for name, choose in ENGLISH_CHOOSERS.items():
        if with_english:
            out[name] = _score([choose(item) == item["answer"] for item in with_english])
    return out


def length_baselines(items: list[dict]) -> dict:
    """The length rules of ``chooser_accuracies`` (read by eval/suites.py until it reads that)."""
    return {name: chooser_accuracies(items)[name] for name in ("longest", "shortest", "median")}
