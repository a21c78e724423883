"""Chat data formats of instruction and preference datasets, read into chat ``messages``.

* OpenAI style: a list of ``{"role": system|user|assistant, "content": text}``;
* ShareGPT style: a list of ``{"from": system|human|user|gpt|assistant, "value": text}``.

Multi-turn conversations and system turns are kept; SFT trains on the last assistant turn with
every earlier turn as its prompt (``langadapt.train.sft.prompt_completion``). Conversational
preference pairs (TRL's format) have ``chosen``/``rejected`` as message lists, with the prompt
either a separate ``prompt`` (text or messages) or the turns ``chosen`` and ``rejected`` share.
"""

from langadapt.errors import config_error

ROLES = {"system": "system", "human": "user", "user": "user", "gpt": "assistant",
         "assistant": "assistant", "model": "assistant"}


def to_messages(turns, key: str, row: int) -> list[dict]:
    """OpenAI or ShareGPT ``turns`` as ``[{"role", "content"}]``; an error names ``key`` and the
    dataset row."""
    if not isinstance(turns, list) or not turns:
        raise config_error(key, f"row {row}: expected a non-empty list of chat turns")
    messages = []
    for turn in turns:
        # a dataset with both styles fills the other style's keys with None
        role = (turn.get("role") or turn.get("from")) if isinstance(turn, dict) else None
        content = turn.get("content") if isinstance(turn, dict) else None
        content = turn.get("value") if content is None and isinstance(turn, dict) else content
        if role not in ROLES or not isinstance(content, str):
            raise config_error(key, f"row {row}: turn {turn!r} is neither "
                               "{role, content} nor {from, value} with a known role "
                               f"({', '.join(ROLES)})")
        messages.append({"role": ROLES[role], "content": content})
    return messages


def sft_messages(turns, key: str, row: int) -> list[dict]:
    """A conversation for SFT: it must end with an assistant turn, after a user turn."""
    messages = to_messages(turns, key, row)
    if messages[-1]["role"] != "assistant" or len(messages) < 2:
        raise config_error(key, f"row {row}: a conversation for SFT ends with an assistant "
                                "turn after at least one other turn")
    return messages


def preference_pair(prompt, chosen, rejected, key: str, row: int) -> dict[str, list[dict]]:
    """``{"prompt", "chosen", "rejected"}`` as messages from text or conversational fields;
    a prompt left implicit is the turns ``chosen`` and ``rejected`` share."""
    def turns(value, role):
        return [{"role": role, "content": value}] if isinstance(value, str) else to_messages(
            value, key, row)

    chosen, rejected = turns(chosen, "assistant"), turns(rejected, "assistant")
    if prompt is None:
        shared = 0
        while (shared < min(len(chosen), len(rejected)) - 1
               and chosen[shared] == rejected[shared]):
            shared += 1
        prompt, chosen, rejected = chosen[:shared], chosen[shared:], rejected[shared:]
        if not prompt:
            raise config_error(key, f"row {row}: no prompt field and no turns shared by "
                                    "chosen and rejected")
    else:
        prompt = turns(prompt, "user")
    for name, answer in (("chosen", chosen), ("rejected", rejected)):
        if [turn["role"] for turn in answer] != ["assistant"]:
            raise config_error(key, f"row {row}: {name} must end in one assistant turn "
                                    "after the prompt")
    return {"prompt": prompt, "chosen": chosen, "rejected": rejected}


def map_contents(conversations: list[list[dict]], translate) -> list[list[dict]]:
    """Every turn's content through ``translate`` (a list of texts -> list), in one batch."""
    texts = [turn["content"] for turns in conversations for turn in turns]
    done = iter(translate(texts))
    return [[{**turn, "content": next(done)} for turn in turns] for turns in conversations]


# x-LLaMA's (Stanford Alpaca's) prompt; a system turn replaces the preamble.
ALPACA_PREAMBLE = ("Below is an instruction that describes a task. Write a response that "
                   "appropriately completes the request.")
ALPACA_TEMPLATE = (
    "{% if messages[0]['role'] == 'system' %}{{ messages[0]['content'] + '\\n\\n' }}"
    "{% else %}{{ '" + ALPACA_PREAMBLE + "\\n\\n' }}{% endif %}"
    "{% for message in messages %}"
    "{% if message['role'] == 'user' %}{{ '### Instruction:\\n' + message['content'] + '\\n\\n' }}"
    "{% elif message['role'] == 'assistant' %}"
    "{{ '### Response:\\n' + message['content'] + eos_token + '\\n\\n' }}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '### Response:\\n' }}{% endif %}"
)


def chat_template_text(choice: str, key: str = "base_model.chat_template") -> str | None:
    """The Jinja template ``choice`` names: ``model`` (None: keep the model's own, ChatML when
    it has none), ``chatml``, ``alpaca``, or a ``.jinja`` file."""
    from pathlib import Path

    from langadapt.modeling import CHATML_TEMPLATE

    if choice == "model":
        return None
    if choice == "chatml":
        return CHATML_TEMPLATE
    if choice == "alpaca":
        return ALPACA_TEMPLATE
    path = Path(choice)
    if path.suffix != ".jinja" or not path.is_file():
        raise config_error(key, f"{choice!r} is neither model, chatml, alpaca nor a .jinja file")
    return path.read_text(encoding="utf-8")


def set_chat_template(model_dir, choice: str) -> None:
    """Give the tokenizer saved in ``model_dir`` the template ``choice`` names; every later
    stage and every evaluation loads the tokenizer from there, so training and evaluation use
    the same template. The choice is recorded in ``provenance.json``."""
    import json
    from pathlib import Path

    from transformers import AutoTokenizer

    template = chat_template_text(choice)
    if template is None:
        return
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    tokenizer.chat_template = template
    tokenizer.save_pretrained(model_dir)
    provenance_path = Path(model_dir) / "provenance.json"
    provenance = json.loads(provenance_path.read_text(encoding="utf-8"))
    provenance["chat_template"] = choice
    provenance_path.write_text(json.dumps(provenance, indent=2) + "\n", encoding="utf-8")


# End-of-turn markers of common chat templates (ChatML, Llama 3, Gemma).
END_OF_TURN = ("<|im_end|>", "<|eot_id|>", "<end_of_turn>")


def end_of_turn_ids(tokenizer) -> set[int]:
    """Ids of the end-of-turn markers that are single tokens of ``tokenizer``: generation stops
    there even where the tokenizer's end-of-sequence token is another one."""
    vocabulary = tokenizer.get_vocab()
    return {vocabulary[marker] for marker in END_OF_TURN if marker in vocabulary}
