"""A multiple-choice task that only knowledge of the language solves (rule ``eval_data``).

Belebele-like items: an English sentence and four target-language sentences, one of them its
human translation. The three distractors are that translation with words swapped out, on a
2 x 2 grid: two of its words (``a``, ``b``) are each given a replacement (``a'``, ``b'``) and
the choices are ``(a, b)`` (the answer), ``(a', b)``, ``(a, b')`` and ``(a', b')``. So:

- every choice keeps the answer's names, numbers, markup and length (a replacement has the
  replaced word's length), and no choice is more central than another (each differs from the
  others by one swap, one swap and both): length, position and consensus (the choice most like
  the others) say nothing;
- swapped words are words without capitals (any script, vowel signs kept) of at least
  ``MIN_WORD_CHARS`` letters that are not in the English sentence, replaced by words of other
  held-out target sentences (drawn by frequency) that are in no English sentence: token overlap
  with the English is the same for the four choices;
- of the candidate grids of an item, the one kept is the one that keeps every chooser of
  ``chooser_accuracies`` nearest to chance so far (items in a seeded order; the word counts of
  the frequency choosers are those of the built items, so this runs ``PASSES`` times): sentence
  chrF against the English, consensus and word frequency pick the answer at chance.

A replacement is another word of the help text that shares no ``SHARED_PREFIX``-letter prefix
with the replaced one (not an inflection of it): the distractors are wrong, not paraphrases.
The answer's position is balanced over the four places. ``chooser_accuracies`` measures every
non-model chooser on the built items, with a Wilson 95 % interval: random, length rules,
consensus, word frequency within the items, and overlap (chrF, tokens, length) with the English.
"""

import math
import random
import re
import unicodedata
from collections import Counter
from functools import cache, lru_cache

CHOICES = 4
CANDIDATES = 4  # replacements tried per swapped word (CANDIDATES ** 2 grids)
PASSES = 3  # rounds of grid choice; the word counts are those of the previous round
MIN_WORD_CHARS = 4
SHARED_PREFIX = 4  # a replacement sharing this many first letters is an inflection: refused
# Combining marks (Unicode category M*): \w alone splits Devanagari and other abugidas at
# every vowel sign (हिंदी -> ह, द), so a word is word characters and marks.
_MARKS = "".join(chr(c) for c in range(0x300, 0x20000) if unicodedata.category(chr(c))[0] == "M")
_WORD = re.compile(f"(?:\\w|[{re.escape(_MARKS)}])+")


@cache
def _chrf():
    from sacrebleu.metrics import CHRF

    return CHRF()


@lru_cache(maxsize=1 << 16)  # a grid's texts recur in the other grids of its item
def chrf_against(text: str, reference: str) -> float:
    """Sentence chrF (sacrebleu defaults) of ``text`` against ``reference``."""
    return _chrf().sentence_score(text, [reference]).score


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return [word.lower() for word in _WORD.findall(text)]


def _swappable(word: str, english: set[str]) -> bool:
    """At least MIN_WORD_CHARS letters (with their marks), no capital (names, sentence starts;
    scripts without case have none), not in the English side."""
    return (len(word) >= MIN_WORD_CHARS and word not in english
            and all(c.isalpha() or unicodedata.category(c)[0] == "M" for c in word)
            and not any(c.isupper() for c in word))


def replacement_words(pairs: list[dict]) -> dict[int, list[str]]:
    """The swappable words of the target side of ``pairs`` by length, each as often as it occurs
    (sorted); none that occurs on the English side (code keywords, names, English left in)."""
    english = {word for pair in pairs for word in tokens(pair["en"])}
    by_length: dict[int, list[str]] = {}
    for word in sorted(w for pair in pairs for w in _WORD.findall(pair["target"])
                       if _swappable(w, english)):
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
                     rng: random.Random) -> list[list[str]]:
    """Candidate distractor triples ``[(a', b), (a, b'), (a', b')]`` of ``pair``; empty when
    fewer than two of its words can be swapped."""
    english = set(tokens(pair["en"]))
    slots = [m for m in _WORD.finditer(pair["target"]) if _swappable(m.group(), english)]
    if len(slots) < 2:
        return []
    a, b = rng.sample(slots, 2)
    refused = english | set(tokens(pair["target"]))
    return [[_swap(pair["target"], [(a, word_a)]), _swap(pair["target"], [(b, word_b)]),
             _swap(pair["target"], [(a, word_a), (b, word_b)])]
            for word_a in _replacements(a.group(), refused, by_length, rng)
            for word_b in _replacements(b.group(), refused, by_length, rng)]


def _item(pair: dict, triple: list[str], order: list[int], answer: int) -> dict:
    choices = [triple[index] for index in order]
    choices.insert(answer, pair["target"])
    return {"id": pair["id"], "en": pair["en"], "choices": choices, "answer": answer}


def build_multiple_choice(pairs: list[dict], count: int, seed: int,
                          exclude: set[str] = frozenset()) -> list[dict]:
    """``{"id", "en", "choices", "answer"}`` items (seeded), at most ``count``.

    ``pairs`` whose English or target text is in ``exclude`` (the translation test set) are
    neither items nor a source of replacement words.
    """
    pool = [p for p in pairs if p["en"] not in exclude and p["target"] not in exclude]
    pool.sort(key=lambda pair: pair["id"])
    by_length = replacement_words(pool)
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
    answers = [index % CHOICES for index in range(len(candidates))]
    rng.shuffle(answers)
    options = []  # per item: every grid as an item, its word counts and its count-free hits
    for (pair, grids), answer in zip(candidates, answers, strict=True):
        shuffle = rng.sample(range(CHOICES - 1), CHOICES - 1)
        built = [_item(pair, triple, shuffle, answer) for triple in grids]
        options.append([(item, _counts(item), _local_hits(item)) for item in built])
    chosen = [rng.randrange(len(grids)) for grids in options]
    for _ in range(PASSES):
        chosen = _balance(options, chosen, rng)
    return [grids[index][0] for grids, index in zip(options, chosen, strict=True)]


def _counts(item: dict) -> Counter:
    return Counter(word for text in item["choices"] for word in tokens(text))


def _grid_hits(grid: tuple, counts: Counter) -> dict[str, bool]:
    """Every chooser's hit on one candidate item, its own words added to ``counts``."""
    item, own, local = grid
    return local | _frequency_hits(item, lambda word: counts[word] + own[word])


def _balance(options: list[list[tuple]], chosen: list[int], rng: random.Random) -> list[int]:
    """One grid per item (items in a seeded order), the one whose chooser hits keep every
    chooser's running accuracy nearest to 1 / ``CHOICES``; word counts are those of ``chosen``
    with the item's own grid put in."""
    counts = Counter()
    for grids, index in zip(options, chosen, strict=True):
        counts.update(grids[index][1])
    chosen = list(chosen)
    hits: Counter = Counter()
    for done, position in enumerate(rng.sample(range(len(options)), len(options)), start=1):
        grids = options[position]
        counts.subtract(grids[chosen[position]][1])
        picks = [_grid_hits(grid, counts) for grid in grids]
        costs = [sum((hits[name] + hit - done / CHOICES) ** 2 for name, hit in picked.items())
                 for picked in picks]
        best = rng.choice([index for index, value in enumerate(costs) if value == min(costs)])
        hits.update(picks[best])
        counts.update(grids[best][1])
        chosen[position] = best
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
FREQUENCY_CHOOSERS = ("frequent_words", "rare_words")  # summed log counts over all items' choices


def _local_hits(item: dict) -> dict[str, bool]:
    """Whether each chooser that reads one item only picks its answer."""
    choosers = {**CHOOSERS, **(ENGLISH_CHOOSERS if item.get("en") else {})}
    return {name: choose(item) == item["answer"] for name, choose in choosers.items()}


def _frequency_hits(item: dict, count) -> dict[str, bool]:
    """Whether the choice of the most frequent (rarest) words is the answer; ``count(word)``."""
    scores = [sum(math.log(count(word)) for word in tokens(text)) for text in item["choices"]]
    return {"frequent_words": _argmax(scores) == item["answer"],
            "rare_words": _argmax([-score for score in scores]) == item["answer"]}


def chooser_accuracies(items: list[dict]) -> dict[str, dict]:
    """``{chooser: {"acc", "ci95", "n"}}`` of every non-model chooser (Wilson 95 % interval).

    ``random`` is the expected accuracy of a uniform guess (mean of 1 / choices); the
    ``FREQUENCY_CHOOSERS`` count words over the choices of all ``items``. The
    ``ENGLISH_CHOOSERS`` run on the items that carry an English sentence and are absent (not 0)
    when none does. Ties go to the first choice.
    """
    if not items:
        return {}
    expected = sum(1 / len(item["choices"]) for item in items)
    out = {"random": {"acc": expected / len(items), "ci95": wilson_interval(expected, len(items)),
                      "n": len(items)}}
    counts = Counter()
    for item in items:
        counts.update(_counts(item))
    hits = [_local_hits(item) | _frequency_hits(item, counts.__getitem__) for item in items]
    for name in (*CHOOSERS, *FREQUENCY_CHOOSERS, *ENGLISH_CHOOSERS):
        correct = [hit[name] for hit in hits if name in hit]
        if correct:
            out[name] = {"acc": sum(correct) / len(correct),
                         "ci95": wilson_interval(sum(correct), len(correct)), "n": len(correct)}
    return out
