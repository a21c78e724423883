"""Translation en->xx and xx->en (rule ``eval_checkpoint``).

Greedy decoding with one fixed prompt per direction (through the chat template when the model
has one), the first line of the output as hypothesis, scored with sacrebleu BLEU and chrF++
(signatures saved). Every sentence's source, reference and hypothesis is kept, so that the
paper stage can compare any two checkpoints with a paired test; no comparison happens here.
"""

from sacrebleu.metrics import BLEU, CHRF

from langadapt.eval.generation import generate

DIRECTIONS = ("en-xx", "xx-en")
PROMPT = "Translate the following text from {source} to {target}.\n{source}: {text}\n{target}:"


def translation_prompt(text: str, source: str, target: str) -> str:
    return PROMPT.format(source=source, target=target, text=text)


def first_line(text: str, target_name: str = "") -> str:
    """The first non-empty line, without a leading "<target language>:" label the model echoed."""
    for line in text.splitlines():
        line = line.strip()
        if target_name and line.lower().startswith(target_name.lower() + ":"):
            line = line[len(target_name) + 1:].strip()
        if line:
            return line
    return ""


def metrics() -> dict:
    """Fresh sacrebleu metrics: BLEU (13a) and chrF++ (word order 2)."""
    return {"bleu": BLEU(), "chrf++": CHRF(word_order=2)}


def score(hypotheses: list[str], references: list[str]) -> dict:
    """Corpus BLEU and chrF++ with their sacrebleu signatures."""
    out = {}
    for name, metric in metrics().items():
        result = metric.corpus_score(hypotheses, [references])
        out[name] = {"score": float(result.score), "signature": str(metric.get_signature())}
    return out


def direction_sides(pairs: list[dict], direction: str) -> tuple[list[str], list[str]]:
    sources = [p["en"] if direction == "en-xx" else p["target"] for p in pairs]
    references = [p["target"] if direction == "en-xx" else p["en"] for p in pairs]
    return sources, references


def evaluate_translation(model, tokenizer, pairs: list[dict], language_name: str,
                         max_new_tokens: int = 64, batch_size: int = 8) -> dict:
    """Scores and per-sentence hypotheses of both directions."""
    result = {"prompt": PROMPT, "directions": {}}
    for direction in DIRECTIONS:
        source_name, target_name = (("English", language_name) if direction == "en-xx"
                                    else (language_name, "English"))
        sources, references = direction_sides(pairs, direction)
        prompts = [translation_prompt(text, source_name, target_name) for text in sources]
        raw = generate(model, tokenizer, prompts, max_new_tokens, batch_size, stop_strings=["\n"])
        hypotheses = [first_line(text, target_name) for text in raw]
        saved = [{"id": p["id"], "source": source, "reference": reference, "hypothesis": h}
                 for p, source, reference, h in zip(pairs, sources, references, hypotheses,
                                                    strict=True)]
        result["directions"][direction] = {"scores": score(hypotheses, references),
                                           "sentences": len(pairs), "hypotheses": saved}
    return result
