"""Held-out evaluation data and the lm-evaluation-harness task built from it."""

import json

import pytest
from langadapt.eval.data import (
    build_eval_data,
    build_translation_set,
    load_external_test_set,
    parallel_pairs,
)
from langadapt.eval.lm_eval_tasks import run_lm_eval
from langadapt.modeling import load_model, load_tokenizer
from langadapt.textio import read_json, read_jsonl

EVALUATION = {"bpc_chars": 500, "bpc_document_chars": 120, "translation_sentences": 10,
              "multiple_choice_items": 12, "instruction_prompts": 6, "test_set": None}
LANGUAGE = {"code": "gl", "name": "Galician"}


@pytest.fixture(scope="module")
def eval_data(tmp_path_factory, fixture_dir):
    out = tmp_path_factory.mktemp("eval_data")
    split = fixture_dir / "eval_test_split.jsonl"
    build_translation_set(split, out / "translation.jsonl", EVALUATION)
    build_eval_data(split, out, EVALUATION, LANGUAGE, seed=1,
                    translation_path=out / "translation.jsonl")
    return out


def test_eval_data_files(eval_data, fixture_dir):
    bpc = read_json(eval_data / "bpc.json")
    assert bpc["characters"]["target"] == 500
    target, english = bpc["sets"]["target"], bpc["sets"]["english"]
    assert [d["id"] for d in target] == [d["id"] for d in english] and len(target) >= 5
    assert all(len(d["text"]) <= 120 for d in target + english)
    items = read_jsonl(eval_data / "multiple_choice.jsonl")
    assert len(items) == 12
    translation = {text for pair in read_jsonl(eval_data / "translation.jsonl")
                   for text in (pair["en"], pair["target"])}
    assert not translation & {text for item in items for text in (item["en"], *item["choices"])}
    for item in items:
        assert len(item["choices"]) == 4 and len(set(item["choices"])) == 4
    pairs = {p["en"]: p["target"] for p in parallel_pairs(read_jsonl(
        fixture_dir / "eval_test_split.jsonl"))}
    assert all(item["choices"][item["answer"]] == pairs[item["en"]] for item in items)
    assert len({item["answer"] for item in items}) > 1  # the answer position varies
    instructions = read_jsonl(eval_data / "instructions.jsonl")
    assert len(instructions) == 6
    assert all("Galician" in i["prompt"] and i["reference"] for i in instructions)
    # seeded: a second build is identical
    again = eval_data.parent / "again"
    build_eval_data(fixture_dir / "eval_test_split.jsonl", again, EVALUATION, LANGUAGE, seed=1,
                    translation_path=eval_data / "translation.jsonl")
    assert (again / "multiple_choice.jsonl").read_text() == (
        eval_data / "multiple_choice.jsonl").read_text()


def test_translation_set_from_split_and_local_file(tmp_path, fixture_dir):
    out = tmp_path / "translation.jsonl"
    assert build_translation_set(fixture_dir / "eval_test_split.jsonl", out, EVALUATION) == 10
    local = tmp_path / "flores_like.tsv"
    local.write_text("sentence_eng\tsentence_glg\nHello there.\tOla.\nGood night.\tBoas noites.\n")
    spec = {"path": str(local), "en_field": "sentence_eng", "target_field": "sentence_glg"}
    assert load_external_test_set(spec) == [
        {"id": "00000", "en": "Hello there.", "target": "Ola."},
        {"id": "00001", "en": "Good night.", "target": "Boas noites."}]
    jsonl = tmp_path / "set.jsonl"
    jsonl.write_text("".join(json.dumps({"k": f"s{i}", "en": f"e{i}", "target": f"t{i}"}) + "\n"
                             for i in range(5)))
    config = {**EVALUATION, "translation_sentences": 3,
              "test_set": {"path": str(jsonl), "id_field": "k"}}
    build_translation_set(None, out, config)
    assert [p["id"] for p in read_jsonl(out)] == ["s0", "s1", "s2"]


def test_multiple_choice_through_lm_eval(eval_data, tiny_model_dir):
    tokenizer = load_tokenizer(tiny_model_dir)
    model = load_model(tiny_model_dir, tokenizer=tokenizer)
    result = run_lm_eval(model, tokenizer, eval_data / "lm_eval",
                         ["langadapt_translation_choice_gl"], batch_size=4)
    task = result["tasks"]["langadapt_translation_choice_gl"]
    assert 0 <= task["acc"] <= 1 and 0 <= task["acc_norm"] <= 1
    assert result["n_samples"]["langadapt_translation_choice_gl"]["effective"] == 12
    # per-item correctness, in file order, agrees with the aggregate and with the answers
    items = result["items"]["langadapt_translation_choice_gl"]
    built = read_jsonl(eval_data / "multiple_choice.jsonl")
    assert [item["id"] for item in items] == [item["id"] for item in built]
    assert sum(item["acc"] for item in items) / 12 == pytest.approx(task["acc"])
    assert all(item["acc"] == (item["chosen"] == b["answer"])
               for item, b in zip(items, built, strict=True))


def test_multiple_choice_context_is_what_the_harness_scores_after(eval_data):
    from langadapt.eval.lm_eval_tasks import multiple_choice_context, task_manager
    from lm_eval.tasks import get_task_dict

    name = "langadapt_translation_choice_gl"
    task = get_task_dict([name], task_manager(eval_data / "lm_eval", names=[name]))[name]
    docs = list(task.test_docs())
    assert docs
    for doc in docs:
        assert task.doc_to_text(doc) == multiple_choice_context(doc["en"], LANGUAGE["name"])
