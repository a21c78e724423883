import time

import numpy as np
import pytest
from langadapt import filters
from langadapt.synthetic import english_records, filter_translations

SETTINGS = {
    "length_ratio": [0.5, 2.0],
    "near_duplicate_jaccard": 0.9,
    "perplexity_keep_fraction": 0.5,
    "perplexity_max_lines": 5,
}


def test_length_ratio_on_crafted_pairs():
    sources = ["abcdefghij", "abcdefghij", "abcdefghij", "abcdefghij", "", "abc"]
    targets = ["abcde", "abcd", "a" * 20, "a" * 21, "x", ""]
    keep = filters.length_ratio_mask(sources, targets, 0.5, 2.0)
    assert keep.tolist() == [True, False, True, False, False, False]


def test_exact_duplicates_keep_first():
    keep = filters.exact_duplicate_mask(["a b", "c", "a b ", "c", "d"])
    assert keep.tolist() == [True, True, False, False, True]


def test_near_duplicates_are_verified_by_exact_jaccard():
    base = "Seleccione o texto que quere copiar e prema Control C para copialo."
    lines = [
        base,
        base.replace("copialo.", "copialo!"),  # one character differs: Jaccard ~0.94
        "Abra o menú Ficheiro e escolla Gardar como para gardar o documento.",
        base.upper(),  # casefolded: identical shingles
        "Seleccione o texto.",  # much shorter: Jaccard well below 0.9
    ]
    assert filters.jaccard(lines[0], lines[1]) > 0.9
    keep = filters.near_duplicate_mask(lines, threshold=0.9)
    assert keep.tolist() == [True, False, True, False, True]
    assert filters.near_duplicate_mask(lines, threshold=1.0).all()


def test_near_duplicate_filter_is_fast_on_6k_lines():
    rng = np.random.default_rng(0)
    words = [f"palabra{i}" for i in range(2000)]
    lines = [" ".join(rng.choice(words, size=12)) for _ in range(6000)]
    lines += [line + "." for line in lines[:200]]  # 200 near duplicates
    started = time.perf_counter()
    keep = filters.near_duplicate_mask(lines, threshold=0.9)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0
    assert (~keep).sum() == 200 and not keep[6000:].any()


def test_lsh_shape_favours_recall_at_the_threshold():
    bands, rows = filters.lsh_shape(0.9, 128)
    assert bands * rows == 128
    assert 1 - (1 - 0.9**rows) ** bands > 0.999  # a 0.9-similar pair is almost surely a candidate


def test_filter_pipeline_counts_and_perplexity():
    records = [
        {"id": str(i), "en": en, "target": target}
        for i, (en, target) in enumerate(
            [
                ("Open the file.", "Abra o ficheiro."),
                ("Open the file.", "Abra o ficheiro."),  # exact duplicate
                ("Close the window now.", "Peche a xanela agora."),
                ("Print.", "Imprimir o documento completo con todas as páxinas."),  # too long
                ("Save the document as PDF.", "Garde o documento como PDF."),
                ("Save the document as PDF!", "Garde o documento como PDF!"),  # near duplicate
                ("Select all cells.", "Seleccione todas as celas."),
                ("Delete the row.", "Elimine a fila."),
            ]
        )
    ]

    def score(texts):  # perplexity = length: the shortest lines win
        return np.array([float(len(text)) for text in texts])

    kept, report = filter_translations(records, SETTINGS, score)
    counts = {step["name"]: (step["kept"], step["dropped"]) for step in report["filters"]}
    assert counts == {
        "length_ratio": (7, 1),
        "exact_duplicate": (6, 1),
        "near_duplicate": (5, 1),
        "perplexity": (2, 3),  # all 5 scored, round(0.5 * 5) = 2 kept
    }
    assert report["input"] == 8 and report["output"] == len(kept) == 2
    assert [r["target"] for r in kept] == ["Abra o ficheiro.", "Elimine a fila."]
    assert all("perplexity" in r for r in kept)
    assert report["perplexity"]["scored"] == 5 and report["perplexity"]["unscored_dropped"] == 0


def test_mt_sources_are_a_seeded_random_sample(tmp_path):
    from langadapt.textio import write_jsonl

    path = tmp_path / "train.jsonl"
    write_jsonl(path, ({"id": str(i), "en": f"line {i}", "target": "x"} for i in range(200)))
    first = [r["id"] for r in english_records(path, 20, seed=1)]
    assert first == [r["id"] for r in english_records(path, 20, seed=1)]  # reproducible
    assert first != [str(i) for i in range(20)]  # not the first N
    assert first != [r["id"] for r in english_records(path, 20, seed=2)]
    assert max(int(i) for i in first) > 100 and len(set(first)) == 20
    assert len(english_records(path, 500)) == 200


def test_line_perplexities_with_tiny_model(tiny_model_dir):
    from langadapt.perplexity import line_perplexities, load_scorer

    model, tokenizer = load_scorer(tiny_model_dir)
    texts = ["Abra o ficheiro.", "", "Seleccione todas as celas do documento.", "x"]
    values = line_perplexities(texts, model, tokenizer, batch_tokens=16)
    assert np.isfinite(values[[0, 2, 3]]).all() and np.isinf(values[1])
    # batching must not change the score
    alone = line_perplexities([texts[2]], model, tokenizer)
    assert np.isclose(alone[0], values[2], rtol=1e-4)
    vocab = len(tokenizer)
    assert (values[[0, 2, 3]] < vocab * 3).all()  # a random model is close to uniform


def test_line_perplexity_matches_the_model_loss(tiny_model_dir):
    import math

    import torch
    from langadapt.perplexity import line_perplexities, load_scorer

    model, tokenizer = load_scorer(tiny_model_dir)
    text = "Seleccione todas as celas do documento."
    ids = torch.tensor(
        [[tokenizer.bos_token_id] + tokenizer(text, add_special_tokens=False).input_ids]
    )
    expected = math.exp(model(input_ids=ids, labels=ids).loss.item())
    assert line_perplexities([text, "x"], model, tokenizer)[0] == pytest.approx(expected, rel=1e-4)
