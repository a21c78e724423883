"""The multiple-choice construction and the non-model choosers it must defeat (issue 18)."""

import gzip

import pytest
import yaml
from conftest import FIXTURES
from langadapt.eval.data import build_translation_set, load_test_split, parallel_pairs
from langadapt.eval.multiple_choice import (
    CHOOSERS,
    ENGLISH_CHOOSERS,
    build_multiple_choice,
    chooser_accuracies,
    tokens,
    wilson_interval,
)
from langadapt.textio import read_jsonl

OPEN = {"en": "Open the file", "answer": 0,
        "choices": ["Abre o ficheiro", "Pecha", "Abre a carpeta do usuario", "Open the file now"]}
DELETE = {"en": "Delete the rows", "answer": 1,
          "choices": ["Elimina as filas", "Elimina as filas e as columnas", "Borra", "Abre"]}


def test_each_chooser_picks_what_its_rule_says():
    picks = {name: choose(OPEN) for name, choose in {**CHOOSERS, **ENGLISH_CHOOSERS}.items()}
    # lengths 15, 5, 25, 17; the English has 13 characters
    assert {name: picks[name] for name in ("longest", "shortest", "median", "closest_length")} \
        == {"longest": 2, "shortest": 1, "median": 0, "closest_length": 0}
    # the English copied with one word more: highest chrF, 3 of its 4 tokens in the English
    assert picks["chrf_overlap"] == 3 and picks["token_overlap"] == 3
    # the choice that holds another one whole is the one most like the others
    assert CHOOSERS["consensus"](DELETE) == 1
    # no token of any choice is in the English: a tie, the first choice
    assert ENGLISH_CHOOSERS["token_overlap"](DELETE) == 0


def test_chooser_accuracies_known_values():
    result = chooser_accuracies([OPEN, DELETE])
    right = {"longest": 1, "shortest": 0, "median": 1, "consensus": 2, "closest_length": 1,
             "chrf_overlap": 0, "token_overlap": 0, "frequent_words": 2, "rare_words": 0}
    # summed log word counts over both items ("abre" 3, "as" 3, "elimina" 2, "filas" 2, others
    # 1): OPEN: "Abre o ficheiro" ties with "Abre a carpeta do usuario" (the first wins),
    # "Pecha" the rarest; DELETE: "Elimina as filas e as columnas" the most, "Borra" the rarest
    assert {name: result[name]["acc"] * 2 for name in right} == right
    assert result["random"] == {"acc": 0.25, "ci95": wilson_interval(0.5, 2), "n": 2}
    assert result["longest"] == {"acc": 0.5, "ci95": wilson_interval(1, 2), "n": 2}
    assert wilson_interval(50, 200) == pytest.approx([0.19508, 0.31434], abs=1e-5)


def test_without_english_the_overlap_choosers_are_missing_not_zero():
    items = [{"choices": item["choices"], "answer": item["answer"]} for item in (OPEN, DELETE)]
    items.append({"choices": ["Si", "Non"], "answer": 0})
    result = chooser_accuracies(items)
    assert not set(ENGLISH_CHOOSERS) & set(result)
    assert set(CHOOSERS) <= set(result)
    assert result["random"]["acc"] == pytest.approx((0.25 + 0.25 + 0.5) / 3)
    assert chooser_accuracies([]) == {}


TARGET_ITEMS = 200


@pytest.fixture(scope="module")
def help_items(tmp_path_factory):
    """Items built as the default run builds them (config.yaml's evaluation block, seed 1) from
    its held-out split (600 LibreOffice help pairs, smath and schart, en-gl), at the issue's
    target size of 200 items (the default run asks for fewer)."""
    root = tmp_path_factory.mktemp("help")
    split = root / "test.jsonl"
    split.write_bytes(gzip.decompress((FIXTURES / "help_test_split_gl.jsonl.gz").read_bytes()))
    config = yaml.safe_load((FIXTURES.parent.parent / "config.yaml").read_text())
    evaluation = config["evaluation"]
    build_translation_set(split, root / "translation.jsonl", evaluation, seed=1)
    exclude = {text for pair in read_jsonl(root / "translation.jsonl")
               for text in (pair["en"], pair["target"])}
    pairs = parallel_pairs(load_test_split(split))
    items = build_multiple_choice(pairs, TARGET_ITEMS, 1, exclude)
    return pairs, items


def test_no_chooser_beats_chance_on_real_help_items(help_items):
    _, items = help_items
    assert len(items) == 200
    result = chooser_accuracies(items)
    for name, score in result.items():
        print(f"{name:15s} {100 * score['acc']:5.1f} %  "
              f"[{100 * score['ci95'][0]:.1f}, {100 * score['ci95'][1]:.1f}]  n={score['n']}")
    assert set(result) == {"random", *CHOOSERS, "frequent_words", "rare_words", *ENGLISH_CHOOSERS}
    for name, score in result.items():
        assert score["n"] == 200
        assert score["acc"] <= 0.30 and score["ci95"][1] <= 0.37, name


def test_real_help_distractors_are_the_answer_with_one_or_two_words_swapped(help_items):
    pairs, items = help_items
    targets = {pair["en"]: pair["target"] for pair in pairs}
    assert sorted(item["answer"] for item in items) == sorted(list(range(4)) * 50)
    for item in items:
        answer = item["choices"][item["answer"]]
        assert answer == targets[item["en"]] and len(set(item["choices"])) == 4
        english = set(tokens(item["en"]))
        differences = []
        for choice in item["choices"]:
            assert len(choice) == len(answer)
            swapped = [(a, b) for a, b in zip(tokens(answer), tokens(choice), strict=True)
                       if a != b]
            assert not english & {word for pair in swapped for word in pair}
            differences.append(len(swapped))
        assert sorted(differences) == [0, 1, 1, 2]


def test_a_split_without_words_to_swap_names_the_file(tmp_path):
    from langadapt.errors import LangadaptError
    from langadapt.eval.data import build_eval_data

    split = tmp_path / "test.jsonl"
    split.write_text("".join(
        f'{{"id": "p{i}", "doc": "d{i}", "en": "Item number {i} here", '
        f'"target": "Elemento {i}: OK {i}."}}\n' for i in range(12)))
    evaluation = {"bpc_chars": 100, "bpc_document_chars": 50, "multiple_choice_items": 4,
                  "instruction_prompts": 2}
    with pytest.raises(LangadaptError, match=r"test\.jsonl: no multiple-choice item: of 12 "
                                             r"usable pairs \(0 taken by the translation set\)"):
        build_eval_data(split, tmp_path / "out", evaluation, {"code": "gl", "name": "Galician"})


def test_items_are_built_in_a_script_without_case_and_with_vowel_signs():
    """Devanagari: words keep their vowel signs (\\w alone splits हिंदी into ह, द) and, the
    script having no capitals, every long word can be swapped (demo-hi found none before)."""
    from langadapt.eval.multiple_choice import tokens

    assert tokens("हिंदी भाषा में लिखा") == ["हिंदी", "भाषा", "में", "लिखा"]
    lines = [line.strip() for line in
             (FIXTURES / "hindi.txt").read_text(encoding="utf-8").splitlines() if line.strip()]
    pairs = [{"id": f"h{index}", "en": f"English sentence number {index}.", "target": line}
             for index, line in enumerate(lines[:40])]
    items = build_multiple_choice(pairs, 10, 1)
    assert len(items) == 10
    for item in items:
        assert len(set(item["choices"])) == 4 and item["choices"][item["answer"]] in lines
