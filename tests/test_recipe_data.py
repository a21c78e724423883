"""Recipe data as declared data (issue 13): corpora by role, document-level MT that counts what
it cuts, SFT/DPO parts by language treatment, and the plan-time feasibility check."""

import copy
import json
from pathlib import Path

import pytest
import yaml
from langadapt import corpora, feasibility
from langadapt import instructions as inst
from langadapt import preferences as prefs
from langadapt.config import validate_config
from langadapt.errors import LangadaptError
from langadapt.mt import document
from langadapt.textio import read_jsonl, write_jsonl

REPO = Path(__file__).resolve().parents[1]


def fake_mt(lines):
    return [f"MT<{line}>" for line in lines]


def default_config():
    return yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))


def _error(config) -> str:
    with pytest.raises(LangadaptError) as caught:
        validate_config(config)
    return str(caught.value)


# ---- document-level translation -----------------------------------------------------------


def test_long_documents_are_segmented_translated_and_rejoined():
    long_paragraph = " ".join(f"Sentence number {i} is here." for i in range(40))  # ~1.1k chars
    text = f"Title\n\n{long_paragraph}\nShort last line."
    seen = []

    def translate(lines):
        seen.extend(lines)
        return fake_mt(lines)

    [out] = document.translate_documents([text], translate, max_chars=120)
    assert all(len(line) <= 120 for line in seen)  # no backend input longer than a segment
    lines = out.split("\n")
    assert lines[0] == "MT<Title>" and lines[1] == "" and lines[3] == "MT<Short last line.>"
    assert lines[2].count("MT<") > 5  # the long paragraph went as several segments, one line
    recovered = lines[2].replace("MT<", "").replace(">", "")
    assert recovered == long_paragraph  # nothing lost or reordered
    stats = document.segment_stats([text], 120)
    assert stats["documents_split"] == 1 and stats["segments"] == len(seen)


def test_a_word_longer_than_a_segment_is_cut_into_pieces_not_dropped():
    segments = document.segment_line("see " + "x" * 250 + " end", 100)
    assert all(len(s) <= 100 for s in segments)
    assert "".join(segments).replace(" ", "") == "see" + "x" * 250 + "end"


def test_short_lines_translate_exactly_as_one_segment():
    assert document.segment_document("One line.\nTwo.", 400) == [["One line."], ["Two."]]


def test_causal_backend_counts_outputs_cut_at_max_new_tokens(tiny_model_dir):
    from langadapt.mt.causal import CausalLMTranslator

    translator = CausalLMTranslator(str(tiny_model_dir), "Galician", batch_size=4,
                                    max_new_tokens=3)
    out = translator.translate(["Open the file.", "Save it.", "Close the window."])
    assert len(out) == 3
    described = translator.describe()
    assert described["max_new_tokens"] == 3
    assert 0 < described["truncated"]["outputs"] <= 3  # a random model rarely stops in 3


def test_count_cut_outputs_ignores_rows_that_ended():
    import torch
    from langadapt.mt.text import count_cut_outputs

    generated = torch.tensor([[5, 6, 2, 0], [5, 6, 7, 8], [5, 2, 0, 0]])
    assert count_cut_outputs(generated, 2, max_new_tokens=4) == 1
    assert count_cut_outputs(generated, [2, 9], max_new_tokens=4) == 1
    assert count_cut_outputs(generated, 2, max_new_tokens=8) == 0  # shorter than the cap


# ---- corpora ---------------------------------------------------------------------------------


def nemotron_like():
    config = default_config()
    config["language"] = {"code": "hi", "name": "Hindi", "script": "Deva"}
    config["sources"].append({"name": "web_en", "type": "local", "path": "en.txt",
                              "role": "english"})
    config["mixture"]["english_source"] = "web_en"
    config["synthetic"]["translation"].update(english_source="web_en", backend="causal_lm",
                                              model="m", apertium_pair=None)
    config["synthetic"]["transliteration"] = {"enabled": True, "scheme": "itrans",
                                              "corpora": ["real", "mt"]}
    return validate_config(config)


def test_corpus_plan_expands_nemotron_shape():
    plan = corpora.corpus_plan(nemotron_like(), "hi")
    assert list(plan) == ["english", "real", "mt", "translit", "translit_mt"]
    assert plan["english"]["file"] == "results/data/hi/sources/web_en.jsonl"
    assert plan["translit_mt"]["origin"] == "transliterate(mt, itrans)"
    assert plan["mt"]["origin"].startswith("translate(web_en)")
    assert corpora.target_sources(nemotron_like()) == ["lohelp"]


def test_default_config_keeps_its_corpora():
    plan = corpora.corpus_plan(validate_config(default_config()), "gl")
    assert list(plan) == ["english", "real", "mt"]
    assert plan["english"]["file"] == plan["real"]["file"] == "results/data/gl/clean/train.jsonl"


def test_english_role_source_records_hold_english(tmp_path):
    from langadapt.sources import write_source

    text = tmp_path / "en.txt"
    text.write_text("An English web page.\nAnother one.\n", encoding="utf-8")
    config = default_config()
    config["sources"].append({"name": "web_en", "type": "local", "path": str(text),
                              "role": "english"})
    validate_config(config)
    write_source(config, "web_en", "gl", tmp_path / "web_en.jsonl")
    records = read_jsonl(tmp_path / "web_en.jsonl")
    assert [r["en"] for r in records] == ["An English web page.", "Another one."]
    assert all(r["target"] is None for r in records)


@pytest.mark.parametrize("edit, key, fragment", [
    (lambda c: c["mixture"].update(english_source="nope"), "mixture.english_source",
     "'nope' is neither 'parallel' nor a configured source"),
    (lambda c: c["mixture"].update(english_source="lohelp"), "mixture.english_source",
     "source 'lohelp' has role target; an English source needs `role: english`"),
    (lambda c: c["synthetic"]["translation"].update(english_source="lohelp"),
     "synthetic.translation.english_source", "has role target"),
    (lambda c: c["sources"].append({"name": "p", "type": "local", "path": "x.txt",
                                    "english_path": "y.txt", "role": "english"}),
     "sources[1].role", "an English source is monolingual"),
    (lambda c: c["sft"].update(method="full"), "sft.recipe.lora_alpha",
     "sft.method is full (every weight trains): remove the LoRA keys"),
    (lambda c: c["dpo"].update(parts=[{"name": "p", "treatment": "as_is", "examples": 4}]),
     "dpo.parts[0].treatment", "help-corpus preference pairs are built with MT"),
    (lambda c: c["synthetic"].update(translation={"enabled": False}, transliteration={
        "enabled": True, "corpora": ["mt"]}) or c["language"].update(script="Deva"),
     "synthetic.transliteration.corpora",
     "'mt' needs synthetic.translation.enabled: true and cpt_corpus: true"),
    (lambda c: c["sft"].update(parts=[{"name": "a", "treatment": "mt", "examples": 1},
                                      {"name": "a", "treatment": "human", "examples": 1}]),
     "sft.parts[1].name", "duplicate part name 'a'"),
])
def test_recipe_shape_errors_name_the_key(edit, key, fragment):
    config = default_config()
    edit(config)
    message = _error(config)
    assert message.startswith(f"config key '{key}':"), message
    assert fragment in message


def test_short_forms_expand_to_parts():
    config = validate_config(default_config())
    assert config["sft"]["parts"] == [{"name": "general", "dataset": None, "treatment": "cell",
                                       "examples": 12}]
    assert config["dpo"]["parts"] == [{"name": "preferences", "dataset": None,
                                       "treatment": "mt", "examples": 16}]
    again = validate_config(copy.deepcopy(config))  # idempotent (Snakemake re-validates)
    assert again["sft"]["parts"] == config["sft"]["parts"]


# ---- SFT and DPO parts ------------------------------------------------------------------------


@pytest.fixture
def alpaca(tmp_path):
    path = tmp_path / "alpaca.jsonl"
    rows = [{"instruction": f"Task {i}.", "output": f"Answer {i}."} for i in range(4)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return {"path": "json", "data_files": str(path)}


def test_xllama_shape_english_plus_translated_alpaca(alpaca, fixture_dir):
    """x-LLaMA: the same Alpaca rows in English as is and machine-translated."""
    parts = [{"name": "alpaca_en", "dataset": alpaca, "treatment": "as_is", "examples": 3},
             {"name": "alpaca_mt", "dataset": alpaca, "treatment": "mt", "examples": 3}]
    rows = []
    for index, part in enumerate(parts):
        rows += inst.part_instructions(part, f"sft.parts[{index}]", "mt", [], lambda: fake_mt)
    assert [r["part"] for r in rows] == ["alpaca_en"] * 3 + ["alpaca_mt"] * 3
    assert rows[0]["messages"][0]["content"] == "Task 0."
    assert rows[3]["messages"][0]["content"] == "MT<Task 0.>"
    assert rows[3]["instructions"] == "mt" and rows[0]["instructions"] == "as_is"
    assert len({r["id"] for r in rows}) == 6


def test_help_parts_follow_the_cell_arm(fixture_dir):
    sections = inst.translate_sections(
        inst.help_sections(read_jsonl(fixture_dir / "help_sections.jsonl")), fake_mt)
    part = {"name": "help", "dataset": None, "treatment": "cell", "examples": 2}
    mt = inst.part_instructions(part, "sft.parts[0]", "mt", sections, lambda: fake_mt)
    human = inst.part_instructions(part, "sft.parts[0]", "human", sections, lambda: fake_mt)
    english = inst.part_instructions({**part, "treatment": "as_is"}, "sft.parts[0]", "mt",
                                     sections, lambda: fake_mt)
    assert mt[0]["messages"][1]["content"].startswith("MT<")
    assert human[0]["messages"][1]["content"] == "\n\n".join(sections[0]["answer_target"])
    assert english[0]["messages"][1]["content"] == "\n\n".join(sections[0]["answer_en"])


def test_nemotron_shape_english_pairs_plus_translated_pairs(tmp_path):
    path = tmp_path / "prefs.jsonl"
    path.write_text("".join(json.dumps({"prompt": f"Q{i}?", "chosen": f"Good {i}.",
                                        "rejected": f"Bad {i}."}) + "\n" for i in range(5)))
    spec = {"path": "json", "data_files": str(path)}
    parts = [{"name": "en", "dataset": spec, "treatment": "as_is", "examples": 4},
             {"name": "hi_mt", "dataset": spec, "treatment": "mt", "examples": 2}]
    out = tmp_path / "preferences.jsonl"
    from langadapt import mt

    original = mt.get_translator
    mt.get_translator = lambda spec: type("T", (), {"translate": staticmethod(fake_mt)})()
    try:
        assert prefs.write_preferences(tmp_path / "none.jsonl", out, parts, 0, {}) == 6
    finally:
        mt.get_translator = original
    rows = read_jsonl(out)
    assert rows[0]["chosen"][0]["content"] == "Good 0." and rows[0]["part"] == "en"
    assert rows[4]["chosen"][0]["content"] == "MT<Good 0.>" and rows[4]["treatment"] == "mt"
    with pytest.raises(LangadaptError, match=r"'dpo.parts\[0\].examples': 9 requested"):
        prefs.write_preferences(tmp_path / "none.jsonl", out,
                                [{**parts[0], "examples": 9}], 0, {})


def test_help_pairs_without_mt_reject_the_english_answer(fixture_dir):
    sections = inst.translate_sections(
        inst.help_sections(read_jsonl(fixture_dir / "help_sections.jsonl")), None)
    pairs = prefs.help_preferences(sections, 2, skip=1)
    assert {p["rejected_source"] for p in pairs} == {"en"}
    assert pairs[0]["rejected"][0]["content"] == "\n\n".join(sections[1]["answer_en"])


# ---- feasibility --------------------------------------------------------------------------------


@pytest.fixture
def help_source(tmp_path, fixture_dir):
    """The help sample as the load_source output of a libreoffice_help source."""
    path = tmp_path / "lohelp.jsonl"
    write_jsonl(path, read_jsonl(fixture_dir / "help_sections.jsonl"))
    return {"lohelp": str(path)}


def small_config(**sft):
    config = default_config()
    config["split"] = {"test_groups": ["shared"], "dev_groups": ["scalc"], "max_test_pairs": 20}
    config["sft"].update(sft)
    config["dpo"]["preference_pairs"] = 2
    return validate_config(config)


def test_plan_check_passes_and_reports_what_the_sources_hold(help_source, tmp_path):
    config = small_config(general_examples=2, grid=[{"init": ["base"], "instructions": ["mt"],
                                                      "translation_examples": [4]}])
    report = feasibility.check_plan(config, help_source, tmp_path / "plan.json")
    checks = {c["key"]: c for c in report["checks"]}
    assert checks["sft.grid.translation_examples"]["available"] >= 4
    assert json.loads((tmp_path / "plan.json").read_text())["checks"]


def test_plan_check_stops_translation_examples_beyond_the_pairs(help_source):
    config = small_config(grid=[{"init": ["base"], "instructions": ["mt"],
                                 "translation_examples": [10000]}])
    with pytest.raises(LangadaptError) as caught:
        feasibility.check_plan(config, help_source)
    assert str(caught.value).startswith(
        "config key 'sft.grid.translation_examples': 10000 requested but the parallel training "
        "pairs of lohelp hold(s) at most")


def test_plan_check_stops_help_instructions_beyond_the_sections(help_source):
    config = small_config(general_examples=5000, grid=[{"init": ["base"], "instructions": ["mt"],
                                                         "translation_examples": [0]}])
    with pytest.raises(LangadaptError, match="'sft.parts': 5000 requested but the help sections"):
        feasibility.check_plan(config, help_source)


def test_plan_check_stops_a_dataset_part_beyond_its_rows(help_source, alpaca):
    config = small_config(grid=[{"init": ["base"], "instructions": ["mt"],
                                 "translation_examples": [0]}],
                          parts=[{"name": "alpaca", "dataset": alpaca, "treatment": "as_is",
                                  "examples": 50}])
    with pytest.raises(LangadaptError, match=r"'sft.parts\[0\].examples': 50 requested but "
                                             r"dataset json hold\(s\) at most 4"):
        feasibility.check_plan(config, help_source)


def test_mt_part_without_translation_stops_the_set(tmp_path):
    with pytest.raises(LangadaptError) as caught:
        inst.write_general(tmp_path / "none.jsonl", tmp_path / "general.jsonl", "mt",
                           [{"name": "general", "dataset": None, "treatment": "cell",
                             "examples": 2}], {"enabled": False})
    assert str(caught.value) == ("config key 'sft.parts[0].treatment': cell machine-translates "
                                 "part 'general' but synthetic.translation.enabled is false")


def test_plan_check_sizes_mt_to_what_the_mixture_takes():
    """Nemotron from the config alone: 200B Hindi tokens, 27.3 % of them translated."""
    from langadapt.config import load_config

    config = load_config(REPO / "configs" / "nemotron-hi.yaml")  # 1000 tokens a document
    plan = feasibility.mixture_takes(config)
    assert plan["taken_tokens"]["mt"] == 54_600_000_000
    assert sum(plan["taken_tokens"].values()) == 200_000_000_000
    mt = plan["mt"]
    assert mt["produced_tokens"] == 60_000_000 * 980  # 2 % dropped by the perplexity filter
    assert mt["unsampled_tokens"] == 4_200_000_000
    assert mt["max_sentences_for_one_pass"] == 55_714_286  # ceil(54.6B / 980)
    config["mixture"]["mt_tokens_per_sentence"] = None
    assert "unchecked" in feasibility.mixture_takes(config)["mt"]


def test_plan_check_reports_mt_that_is_mostly_never_sampled(help_source, caplog):
    config = small_config(general_examples=2, grid=[{"init": ["base"], "instructions": ["mt"],
                                                      "translation_examples": [0]}])
    config["mixture"]["target_shares"] = {"real": 0.5, "mt": 0.5}
    config["mixture"]["mt_tokens_per_sentence"] = 100
    config["cpt"]["grid"] = [{"mixing_ratio": [0.8], "token_budget": ["8k"],
                              "synthetic_weight": [60.0], "seed": [1]}]
    config["sft"]["cpt_cell"]["token_budget"] = "8k"
    report = feasibility.check_plan(config, help_source)
    # 400 sentences x 100 tokens x 0.8 kept; the largest cell (8k, ratio 0.8, synth 60) takes
    # 60 / 60.5 of its 6349 Galician tokens from mt
    mt = report["mixture"]["mt"]
    assert mt["produced_tokens"] == 32000 and mt["taken_tokens"] == 6245
    assert mt["unsampled_tokens"] == 25755 and mt["max_sentences_for_one_pass"] == 79
    assert "synthetic.translation.max_sentences: ~25755 of the ~32000" in caplog.text

def test_plan_check_leaves_real_weight_mixtures_to_mix_json():
    assert "unchecked" in feasibility.mixture_takes(validate_config(default_config()))
