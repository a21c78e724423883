"""Chat data formats (issue 23): OpenAI/ShareGPT conversations for SFT and conversational
preference pairs for DPO, read from local JSONL datasets as a paper config would name them."""

import json

import pytest
from langadapt import instructions as inst
from langadapt import preferences as prefs
from langadapt.chat_formats import preference_pair, to_messages
from langadapt.errors import LangadaptError
from langadapt.train.sft import prompt_completion

OPENAI = [{"role": "system", "content": "Answer in Galician."},
          {"role": "user", "content": "Name a colour."},
          {"role": "assistant", "content": "Azul."},
          {"role": "user", "content": "Another one."},
          {"role": "assistant", "content": "Verde."}]
SHAREGPT = [{"from": "system", "value": "Answer in Galician."},
            {"from": "human", "value": "Name a colour."},
            {"from": "gpt", "value": "Azul."}]


def fake_mt(lines):
    return [f"MT<{line}>" for line in lines]


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return str(path)


def test_openai_and_sharegpt_conversations_train_on_the_last_assistant_turn(tmp_path):
    data = _jsonl(tmp_path / "chat.jsonl", [{"messages": OPENAI}, {"messages": SHAREGPT}])
    rows = inst.general_from_dataset({"path": "json", "data_files": data,
                                      "messages_field": "messages"}, 2, None)
    assert rows[0]["messages"] == OPENAI and rows[0]["instructions"] == "as_is"
    assert rows[1]["messages"] == OPENAI[:3]
    examples = prompt_completion(rows)
    assert examples[0]["prompt"] == OPENAI[:4]  # system and earlier turns are the prompt
    assert examples[0]["completion"] == [OPENAI[4]]


def test_conversations_are_machine_translated_turn_by_turn(tmp_path):
    data = _jsonl(tmp_path / "chat.jsonl", [{"conversations": SHAREGPT}])
    rows = inst.general_from_dataset({"path": "json", "data_files": data,
                                      "messages_field": "conversations"}, 1, fake_mt)
    assert [turn["content"] for turn in rows[0]["messages"]] == [
        "MT<Answer in Galician.>", "MT<Name a colour.>", "MT<Azul.>"]
    assert rows[0]["instructions"] == "mt"


@pytest.mark.parametrize("turns, problem", [
    ([{"speaker": "human", "text": "Hi"}], "neither {role, content} nor {from, value}"),
    ([{"role": "user", "content": "Hi"}], "ends with an assistant turn"),
    ("Hi", "expected a non-empty list of chat turns"),
])
def test_a_bad_conversation_names_the_key_and_row(tmp_path, turns, problem):
    data = _jsonl(tmp_path / "chat.jsonl", [{"messages": turns}])
    with pytest.raises(LangadaptError) as caught:
        inst.general_from_dataset({"path": "json", "data_files": data,
                                   "messages_field": "messages"}, 1, None, key="sft.parts[0]")
    assert str(caught.value).startswith("config key 'sft.parts[0].messages_field': row 1: ")
    assert problem in str(caught.value)


def test_conversational_preference_pairs_with_an_implicit_prompt(tmp_path):
    prompt = SHAREGPT[:2]
    data = _jsonl(tmp_path / "prefs.jsonl", [{
        "chosen": [*prompt, {"from": "gpt", "value": "Azul."}],
        "rejected": [*prompt, {"from": "gpt", "value": "Blue."}]}])
    pairs = prefs.dataset_preferences({"path": "json", "data_files": data,
                                       "prompt_field": None}, 1, None)
    assert pairs[0]["prompt"] == to_messages(prompt, "k", 1)
    assert pairs[0]["chosen"] == [{"role": "assistant", "content": "Azul."}]
    assert pairs[0]["rejected"] == [{"role": "assistant", "content": "Blue."}]
    translated = prefs.dataset_preferences({"path": "json", "data_files": data,
                                            "prompt_field": None}, 1, fake_mt)
    assert translated[0]["rejected"][0]["content"] == "MT<Blue.>"
    assert translated[0]["prompt"][1]["content"] == "MT<Name a colour.>"


def test_text_preference_pairs_read_as_before(tmp_path):
    row = {"prompt": "Hi?", "chosen": "Ola.", "rejected": "Hi."}
    data = _jsonl(tmp_path / "prefs.jsonl", [row])
    pairs = prefs.dataset_preferences({"path": "json", "data_files": data}, 1, None)
    assert pairs[0]["prompt"] == [{"role": "user", "content": "Hi?"}]
    assert pairs[0]["chosen"] == [{"role": "assistant", "content": "Ola."}]


def test_a_pair_without_prompt_or_shared_turns_is_refused():
    with pytest.raises(LangadaptError, match="row 3: no prompt field and no turns shared"):
        preference_pair(None, "Ola.", "Hi.", "dpo.parts[0].dataset", 3)


def test_alpaca_template_renders_x_llamas_prompt(tiny_model_dir):
    from langadapt.chat_formats import ALPACA_PREAMBLE, chat_template_text
    from langadapt.modeling import load_tokenizer

    tokenizer = load_tokenizer(tiny_model_dir)
    tokenizer.chat_template = chat_template_text("alpaca")
    prompt = tokenizer.apply_chat_template(OPENAI[1:2], tokenize=False,
                                           add_generation_prompt=True)
    assert prompt == f"{ALPACA_PREAMBLE}\n\n### Instruction:\nName a colour.\n\n### Response:\n"
    full = tokenizer.apply_chat_template(OPENAI[:3], tokenize=False)
    assert full == ("Answer in Galician.\n\n### Instruction:\nName a colour.\n\n"
                    f"### Response:\nAzul.{tokenizer.eos_token}\n\n")


def test_the_chosen_template_is_saved_with_the_base_model(tiny_model_dir, tmp_path):
    import shutil

    from langadapt.chat_formats import ALPACA_TEMPLATE, set_chat_template
    from langadapt.modeling import load_tokenizer

    base = shutil.copytree(tiny_model_dir, tmp_path / "base")
    (base / "provenance.json").write_text('{"kind": "local"}')
    before = load_tokenizer(base).chat_template
    set_chat_template(base, "model")
    assert load_tokenizer(base).chat_template == before  # the model's own
    set_chat_template(base, "alpaca")
    assert load_tokenizer(base).chat_template == ALPACA_TEMPLATE  # what every stage loads
    assert json.loads((base / "provenance.json").read_text())["chat_template"] == "alpaca"
    jinja = tmp_path / "plain.jinja"
    jinja.write_text("{% for m in messages %}{{ m['content'] }}\n{% endfor %}")
    set_chat_template(base, str(jinja))
    assert load_tokenizer(base).chat_template == jinja.read_text()


def test_an_unknown_template_names_the_key(tmp_path):
    from langadapt.chat_formats import chat_template_text

    with pytest.raises(LangadaptError, match="config key 'base_model.chat_template': 'vicuna' is"):
        chat_template_text("vicuna")


def test_generation_stops_at_the_end_of_turn_token(tiny_model_dir):
    """The tiny tokenizer's end of sequence is <|endoftext|>; ChatML turns end in <|im_end|>."""
    from langadapt.eval.generation import stop_token_ids
    from langadapt.modeling import load_model, load_tokenizer

    tokenizer = load_tokenizer(tiny_model_dir)
    assert tokenizer.eos_token != "<|im_end|>"
    stops = stop_token_ids(load_model(tiny_model_dir), tokenizer)
    assert tokenizer.convert_tokens_to_ids("<|im_end|>") in stops
    assert tokenizer.eos_token_id in stops


@pytest.mark.workflow
def test_a_messages_dataset_goes_through_sft_and_evaluation(tiny_run):
    """The tiny run's SFT sets hold the chat part (tiny_workflow.CHAT_MESSAGES, OpenAI and
    ShareGPT keys): its conversations keep their system and earlier turns, the SFT cell trains
    on every row of its set and is evaluated."""
    import re

    from tiny_workflow import CHAT_MESSAGES

    cell = "init=cpt/instr=mt/xlate=8/seed=1"
    sft_set = tiny_run / "results/instruct/gl/sft/instr=mt/xlate=8/seed=1.jsonl"
    rows = [json.loads(line) for line in sft_set.read_text(encoding="utf-8").splitlines()]
    chat = [row for row in rows if row.get("part") == "chat"]
    assert len(chat) == len(CHAT_MESSAGES.read_text(encoding="utf-8").splitlines()) == 3
    assert any(len(row["messages"]) == 5 and row["messages"][0]["role"] == "system"
               for row in chat)
    log = (tiny_run / f"logs/sft/gl/{cell}.log").read_text(encoding="utf-8")
    assert re.search(rf"Tokenizing train dataset: 100%.*\b{len(rows)}/{len(rows)}\b", log), log
    metrics = json.loads((tiny_run / f"results/eval/gl/sft/{cell}/metrics.json").read_text())
    assert "chrf++_en-xx" in metrics["metrics"] and "if_target_language_share" in metrics[
        "metrics"]
