"""Metric code of the evaluation suites on known inputs."""

import math

import pytest
import torch
from langadapt.eval.bpc import bits_per_char, total_nll
from langadapt.eval.generation import generate
from langadapt.eval.instruction_following import (
    language_share,
    read_manual_sheet,
    write_manual_sheet,
)
from langadapt.eval.significance import paired_test
from langadapt.eval.translation import evaluate_translation, metrics, score

HYPOTHESES = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."]
REFERENCES = ["The dog bit the man.", "It was not unexpected.", "The man bit him first."]


def test_bleu_matches_hand_computation():
    # 13a tokens: hyp 17, ref 17 (BP = 1); n-gram matches 12/17, 6/14, 4/11, 3/8.
    expected = 100 * (12 / 17 * 6 / 14 * 4 / 11 * 3 / 8) ** 0.25
    result = score(HYPOTHESES, REFERENCES)
    assert result["bleu"]["score"] == pytest.approx(expected, abs=1e-9)
    assert result["bleu"]["signature"].startswith("nrefs:1|case:mixed|eff:no|tok:13a")
    assert "nw:2" in result["chrf++"]["signature"]  # chrF++ = word bigrams on top of chrF
    assert result["chrf++"]["score"] == pytest.approx(51.7309698503746, abs=1e-6)


def test_identical_and_disjoint_translations():
    assert score(REFERENCES, REFERENCES)["bleu"]["score"] == pytest.approx(100)
    assert score(REFERENCES, REFERENCES)["chrf++"]["score"] == pytest.approx(100)
    assert score(["zzz qqq"] * 3, REFERENCES)["bleu"]["score"] == pytest.approx(0)


def test_paired_test_identical_systems_have_p_one():
    for metric in metrics().values():
        test = paired_test(metric, HYPOTHESES, HYPOTHESES, REFERENCES, trials=200)
        assert test["difference"] == 0
        assert test["p_value"] == pytest.approx(1.0)


def test_paired_test_detects_a_clearly_better_system():
    references = [f"sentence number {i} is about the chart wizard" for i in range(40)]
    weak = [f"word {i}" for i in range(40)]
    metric = metrics()["chrf++"]
    test = paired_test(metric, references, weak, references, trials=300)
    assert test["difference"] > 50
    assert test["p_value"] < 0.01
    assert test["system_better_share"] == 1.0
    assert test["ci95"][0] > 0


def test_language_share():
    texts = ["Isto é unha frase en galego sobre a folla de cálculo e as súas celas.",
             "This is an English sentence about spreadsheets and their cells.", ""]
    share = language_share(texts, "gl")
    assert share["share"] == pytest.approx(1 / 3)
    assert share["languages"]["en"] == 1 and share["languages"]["empty"] == 1
    brazilian = ["Este é um texto em português sobre a planilha e as suas células."]
    assert language_share(brazilian, "pt-BR")["share"] == 1.0  # a code with a region


def test_manual_sheet_round_trip(tmp_path):
    items = [{"id": str(i), "prompt": f"p{i}", "reference": f"r{i}"} for i in range(4)]
    path = tmp_path / "sheet.csv"
    write_manual_sheet(path, items, ["a", "b", "c", "d"])
    lines = path.read_text().splitlines()
    assert lines[0] == "id,prompt,response,reference,correct,partially_correct,wrong"
    filled = [lines[0], "0,p0,a,r0,x,,", "1,p1,b,r1,,x,", "2,p2,c,r2,x,,", "3,p3,d,r3,,,"]
    path.write_text("\n".join(filled) + "\n")
    result = read_manual_sheet(path)
    assert result["manual_rated"] == 3 and result["manual_rows"] == 4
    assert result["manual_correct"] == pytest.approx(2 / 3)
    assert result["manual_wrong"] == 0


@pytest.fixture(scope="module")
def tiny(tiny_model_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32).eval()
    return model, tokenizer


def test_bits_per_char_equals_hand_computation(tiny):
    model, tokenizer = tiny
    text = "Preme Intro para inserir a fórmula."
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    context = [tokenizer.bos_token_id]
    nats = 0.0
    with torch.no_grad():
        for token in ids:  # one forward pass per token: an independent computation
            logits = model(input_ids=torch.tensor([context])).logits[0, -1]
            nats -= torch.log_softmax(logits.double(), dim=-1)[token].item()
            context.append(token)
    result = bits_per_char(model, tokenizer, text, window=256)
    assert result["tokens"] == len(ids) and result["characters"] == len(text)
    assert result["bits_per_char"] == pytest.approx(nats / math.log(2) / len(text), rel=1e-4)


def test_bpc_batching_does_not_change_the_sum(tiny):
    model, tokenizer = tiny
    text = "Choose Format - Cells and open the Numbers tab. " * 6
    one, tokens = total_nll(model, tokenizer, text, window=7, batch_size=1)
    many, _ = total_nll(model, tokenizer, text, window=7, batch_size=5)
    assert tokens > 14
    assert many == pytest.approx(one, rel=1e-4)


def test_generation_is_order_independent_and_translation_runs(tiny):
    model, tokenizer = tiny
    prompts = ["Translate: a", "Translate this much longer text: b c d e f g", "x"]
    batched = generate(model, tokenizer, prompts, max_new_tokens=5, batch_size=3)
    single = [generate(model, tokenizer, [p], max_new_tokens=5)[0] for p in prompts]
    assert batched == single
    pairs = [{"id": str(i), "en": f"Open the menu {i}.", "target": f"Abre o menú {i}."}
             for i in range(5)]
    result = evaluate_translation(model, tokenizer, pairs, "Galician", "gl", max_new_tokens=4,
                                  batch_size=2)
    for direction in ("en-xx", "xx-en"):
        entry = result["directions"][direction]
        assert "vs_base" not in entry and entry["sentences"] == 5
        share = entry["target_language_share"]
        assert 0 <= share["share"] <= 1 and sum(share["languages"].values()) == 5
        saved = entry["hypotheses"]
        assert [h["id"] for h in saved] == [p["id"] for p in pairs]
        side = "en" if direction == "en-xx" else "target"
        assert [h["source"] for h in saved] == [p[side] for p in pairs]
    # the out-of-domain set decodes in the same batches: same hypotheses as on its own
    ood = [{"id": f"o{i}", "en": f"Save the page {i}.", "target": f"Gardar a páxina {i}."}
           for i in range(3)]
    both = evaluate_translation(model, tokenizer, pairs, "Galician", "gl", max_new_tokens=4,
                                batch_size=8, ood_pairs=ood)
    alone = evaluate_translation(model, tokenizer, ood, "Galician", "gl", max_new_tokens=4,
                                 batch_size=8)
    assert both["directions"] == result["directions"]
    assert both["out_of_domain"]["directions"] == alone["directions"]


def test_generation_equals_model_generate(tiny):
    """The shared-prefix, shrinking-batch loop decodes what ``model.generate`` decodes, stop
    strings and end-of-sequence included, at any batch size."""
    from langadapt.eval.generation import format_prompt, shared_prefix_length

    model, tokenizer = tiny
    prompts = [f"Translate the following text from English to Galician.\nEnglish: {text}"
               for text in ("Open the menu.", "Choose Format - Cells and open the tab.", "x",
                            "Press Enter to insert the formula into the document.", "Undo")]
    texts = [format_prompt(tokenizer, prompt) for prompt in prompts]
    encoded = [tokenizer(text, add_special_tokens=False)["input_ids"] for text in texts]
    assert shared_prefix_length(encoded) > 5  # the chat template and the task are shared
    tokenizer.padding_side = "left"
    batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
    for stop_strings in (None, ["a"]):
        extra = {"stop_strings": stop_strings, "tokenizer": tokenizer} if stop_strings else {}
        with torch.no_grad():
            out = model.generate(**batch, max_new_tokens=12, do_sample=False,
                                 pad_token_id=tokenizer.pad_token_id, **extra)
        expected = [tokenizer.decode(row[batch["input_ids"].shape[1]:],
                                     skip_special_tokens=True).strip() for row in out]
        for batch_size in (1, 2, 5):
            assert generate(model, tokenizer, prompts, 12, batch_size,
                            stop_strings=stop_strings) == expected


def test_suites_run_from_the_widest_dtype_down():
    """No suite sees float32 weights that a bfloat16 suite rounded before it."""
    from langadapt.eval.suites import suite_order

    order = suite_order({"bpc": "float32", "lm_eval": "bfloat16", "translation": "float32",
                         "instructions": "float16"})
    assert order == ["bpc", "translation", "lm_eval", "instructions"]


def test_first_line_drops_an_echoed_language_label():
    from langadapt.eval.translation import first_line

    assert first_line("\nEnglish: Open the menu.\nGalician: x", "English") == "Open the menu."
    assert first_line("Abre o menú.", "Galician") == "Abre o menú."


def test_no_heldout_instructions_gives_no_scores(tiny):
    from langadapt.eval.instruction_following import evaluate_instructions
    from langadapt.eval.suites import flat_metrics

    model, tokenizer = tiny
    result = evaluate_instructions(model, tokenizer, [], "gl")
    assert result["prompts"] == 0 and "no held-out instructions" in result["note"]
    assert not any(name.startswith("if_") for name in flat_metrics({"instructions": result}))


def test_bpc_is_float32_whatever_the_evaluation_dtype(tiny_model_dir, fixture_dir, tmp_path):
    """evaluation.dtype bfloat16: bpc.json still equals the bpc of a float32 model, while the
    other suites run in bfloat16."""
    from langadapt.eval.bpc import evaluate_bpc
    from langadapt.eval.data import build_eval_data, build_translation_set
    from langadapt.eval.suites import evaluate_checkpoint
    from langadapt.modeling import load_model, load_tokenizer
    from langadapt.textio import read_json

    split = fixture_dir / "eval_test_split.jsonl"
    evaluation = {"bpc_chars": 300, "bpc_document_chars": 100, "translation_sentences": 3,
                  "multiple_choice_items": 4, "instruction_prompts": 2, "test_set": None}
    build_translation_set(split, tmp_path / "translation.jsonl", evaluation)
    build_eval_data(split, tmp_path, evaluation, {"code": "gl", "name": "Galician"},
                    translation_path=tmp_path / "translation.jsonl")
    task = "langadapt_translation_choice_gl"
    inputs = {"bpc_text": tmp_path / "bpc.json", "pairs": tmp_path / "translation.jsonl",
              "task": tmp_path / "lm_eval" / f"{task}.yaml",
              "choices": tmp_path / "multiple_choice.jsonl",
              "instructions": tmp_path / "instructions.jsonl"}
    outputs = {name: tmp_path / "out" / f"{name}.json" for name in
               ("bpc", "translation", "lm_eval", "instructions", "metrics")}
    outputs["sheet"] = tmp_path / "out" / "sheet.csv"
    params = {"language_name": "Galician", "window": 16, "max_new_tokens": 3, "resamples": 50,
              "task": task, "extra_tasks": [], "batch_size": 4, "dtype": "bfloat16"}
    evaluate_checkpoint(tiny_model_dir, "base", "gl", inputs, outputs, params)
    got = read_json(outputs["bpc"])
    assert got["dtype"] == "float32" and read_json(outputs["translation"])["dtype"] == "bfloat16"

    tokenizer = load_tokenizer(tiny_model_dir)
    sets = read_json(tmp_path / "bpc.json")["sets"]
    fp32 = load_model(tiny_model_dir, dtype="float32", tokenizer=tokenizer).eval()
    expected = evaluate_bpc(fp32, tokenizer, sets, window=16, resamples=50)
    bf16 = load_model(tiny_model_dir, dtype="bfloat16", tokenizer=tokenizer).eval()
    with pytest.raises(ValueError, match="float32"):
        evaluate_bpc(bf16, tokenizer, sets)
    rounded = evaluate_bpc(bf16.float(), tokenizer, sets, window=16, resamples=50)
    for name, entry in got["bpc"].items():
        assert entry["bits_per_char"] == pytest.approx(expected[name]["bits_per_char"], rel=1e-6)
        for ours, theirs in zip(entry["documents"], expected[name]["documents"], strict=True):
            assert ours["bits"] == pytest.approx(theirs["bits"], rel=1e-6)
        # bf16 weights give a different number: the float32 path is what made them equal
        assert rounded[name]["bits_per_char"] != pytest.approx(entry["bits_per_char"], rel=1e-6)
        low, high = entry["ci95"]
        assert low <= entry["bits_per_char"] <= high


def test_bootstrap_interval_over_documents():
    from langadapt.eval.bpc import bootstrap_interval

    assert bootstrap_interval([2.0] * 10, [2] * 10) == pytest.approx([1.0, 1.0])
    low, high = bootstrap_interval([1, 2, 3, 4, 5, 6, 7, 8], [4] * 8, resamples=2000)
    assert low < 4.5 / 4 < high and high - low < 1  # mean bits/char 1.125
    assert bootstrap_interval([1.0], [3]) is None


def test_chunked_token_nll_equals_the_whole_batch(tiny_model_dir):
    """bpc's log-softmax over a few positions at a time gives the NLL of all positions at once."""
    import torch
    from langadapt.modeling import load_model, load_tokenizer
    from langadapt.perplexity import _token_nll

    tokenizer = load_tokenizer(tiny_model_dir)
    model = load_model(tiny_model_dir, dtype="float32", tokenizer=tokenizer).eval()
    generator = torch.Generator().manual_seed(1)
    ids = torch.randint(0, model.config.vocab_size, (3, 20), generator=generator)
    mask = torch.ones_like(ids)
    mask[1, 12:] = 0  # a padded row
    with torch.no_grad():
        whole = _token_nll(model, ids, mask, chunk=10_000)
        chunked = _token_nll(model, ids, mask, chunk=7)
    assert whole.shape == (3, 19) and float(whole[1, 11:].abs().sum()) == 0.0
    assert torch.allclose(chunked, whole, atol=1e-6, rtol=1e-6)
    assert float(whole.sum()) > 0
