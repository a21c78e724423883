"""Translation en->xx and xx->en (rule ``eval_checkpoint``).

Greedy decoding with one fixed prompt per direction (through the chat template when the model
has one), the first line of the output as hypothesis, scored with sacrebleu BLEU and chrF++
(signatures saved), the share of hypotheses in the target language (py3langid, as the instruction
suite), and spBLEU (``evaluation.spbleu``: BLEU over the SentencePiece pieces of
sacrebleu's flores101/flores200 tokenizers, as x-LLaMA scored FLORES-101) when enabled; COMET
(optional) is ``langadapt.eval.comet``. Every sentence's source, reference and hypothesis is
kept, so that the paper stage can compare any two checkpoints with a paired test; no comparison
happens here.
"""

from pathlib import Path

from sacrebleu.metrics import BLEU, CHRF

from langadapt.errors import config_error
from langadapt.eval.instruction_following import language_share

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


def spbleu_metric(tokenizer: str = "flores101", spm_model=None) -> BLEU:
    """sacrebleu BLEU with the flores101/flores200 SentencePiece tokenizer.

    sacrebleu downloads the tokenizer's SentencePiece model into its cache on first use; where
    that cannot happen (offline), ``spm_model`` names a local copy, loaded into sacrebleu's own
    tokenizer class (same pieces, same signature ``tok:flores101``/``flores200``).
    """
    from sacrebleu.tokenizers.tokenizer_spm import SPM_MODELS, TokenizerSPM

    if tokenizer not in ("flores101", "flores200"):
        raise config_error("evaluation.spbleu.tokenizer", f"{tokenizer!r}: flores101 or flores200")
    model_name = Path(SPM_MODELS[tokenizer]["url"]).name
    if spm_model is None:
        try:
            return BLEU(tokenize=tokenizer)
        except Exception as error:  # noqa: BLE001 (download failed: say which key fixes it)
            raise config_error("evaluation.spbleu.spm_model",
                               f"sacrebleu could not load or download the {tokenizer} "
                               f"SentencePiece model ({type(error).__name__}: {error}); set it "
                               f"to a local copy of {model_name}") from error
    path = Path(spm_model)
    if not path.is_file():
        raise config_error("evaluation.spbleu.spm_model", f"{path}: file not found")
    import sentencepiece

    spm_tokenizer = TokenizerSPM.__new__(TokenizerSPM)  # sacrebleu's class, our model file
    spm_tokenizer.name = SPM_MODELS[tokenizer]["signature"]
    spm_tokenizer.sp = sentencepiece.SentencePieceProcessor()
    if not spm_tokenizer.sp.Load(str(path)):
        raise config_error("evaluation.spbleu.spm_model", f"{path}: not a SentencePiece model")
    metric = BLEU(tokenize="none")
    metric.tokenizer = spm_tokenizer
    metric.tokenizer_signature = spm_tokenizer.signature()
    return metric


def metrics(spbleu: dict | None = None) -> dict:
    """Fresh sacrebleu metrics: BLEU (13a), chrF++ (word order 2), spBLEU when enabled."""
    out = {"bleu": BLEU(), "chrf++": CHRF(word_order=2)}
    if spbleu and spbleu.get("enabled"):
        out["spbleu"] = spbleu_metric(spbleu.get("tokenizer", "flores101"),
                                      spbleu.get("spm_model"))
    return out


def score(hypotheses: list[str], references: list[str], spbleu: dict | None = None) -> dict:
    """Corpus BLEU and chrF++ (and spBLEU) with their sacrebleu signatures."""
    out = {}
    for name, metric in metrics(spbleu).items():
        result = metric.corpus_score(hypotheses, [references])
        out[name] = {"score": float(result.score), "signature": str(metric.get_signature())}
    return out


def direction_sides(pairs: list[dict], direction: str) -> tuple[list[str], list[str]]:
    sources = [p["en"] if direction == "en-xx" else p["target"] for p in pairs]
    references = [p["target"] if direction == "en-xx" else p["en"] for p in pairs]
    return sources, references


def target_code(direction: str, lang: str) -> str:
    """Language code a hypothesis of ``direction`` should be in (py3langid)."""
    return lang if direction == "en-xx" else "en"


def scored_direction(pairs: list[dict], hypotheses: list[str], direction: str, lang: str,
                     spbleu: dict | None = None, comet=None, batch_size: int = 8) -> dict:
    """Scores, target-language share and per-sentence hypotheses of one set and direction."""
    sources, references = direction_sides(pairs, direction)
    saved = [{"id": p["id"], "source": source, "reference": reference, "hypothesis": h}
             for p, source, reference, h in zip(pairs, sources, references, hypotheses,
                                                strict=True)]
    scores = score(hypotheses, references, spbleu)
    if comet is not None:  # a loaded COMET model (langadapt.eval.comet)
        from langadapt.eval.comet import comet_score

        scores["comet"] = comet_score(comet, sources, hypotheses, references, batch_size)
    return {"scores": scores, "sentences": len(pairs),
            "target_language_share": language_share(hypotheses, target_code(direction, lang)),
            "hypotheses": saved}


def evaluate_translation(model, tokenizer, pairs: list[dict], language_name: str, lang: str,
                         max_new_tokens: int = 64, batch_size: int = 8,
                         spbleu: dict | None = None, comet=None,
                         ood_pairs: list[dict] | None = None) -> dict:
    """Both directions of ``pairs`` and, under ``out_of_domain``, of ``ood_pairs``.

    The two sets are decoded together (one ``generate`` call per direction): a small second
    set in batches of its own costs extra decoding steps (base model, 20 + 10 pairs, loaded
    2-core machine: 26.9 CPU-s together, 32.5 apart; all prompts in one call: 28.8).
    """
    # here, not at the top: the paper rules score baselines without torch (envs/paper.yaml)
    from langadapt.eval.generation import generate

    sets = {"held_out": pairs, "out_of_domain": ood_pairs or []}
    directions: dict = {name: {} for name in sets}
    for direction in DIRECTIONS:
        source_name, target_name = (("English", language_name) if direction == "en-xx"
                                    else (language_name, "English"))
        together = pairs + (ood_pairs or [])
        prompts = [translation_prompt(text, source_name, target_name)
                   for text in direction_sides(together, direction)[0]]
        raw = generate(model, tokenizer, prompts, max_new_tokens, batch_size, stop_strings=["\n"])
        hypotheses = [first_line(text, target_name) for text in raw]
        start = 0
        for name, chosen in sets.items():
            if chosen:
                directions[name][direction] = scored_direction(
                    chosen, hypotheses[start:start + len(chosen)], direction, lang, spbleu,
                    comet, batch_size)
            start += len(chosen)
    result = {"prompt": PROMPT, "directions": directions["held_out"]}
    if ood_pairs:
        result["out_of_domain"] = {"directions": directions["out_of_domain"]}
    return result


def translation_metrics(result: dict, infix: str = "") -> dict:
    """``{<score>_<infix><direction>: value}`` and ``target_language_share_<infix><direction>``
    of one translation result (``infix`` "ood_" for the out-of-domain set)."""
    out = {}
    for direction, entry in result["directions"].items():
        for name, value in entry["scores"].items():
            out[f"{name}_{infix}{direction}"] = value["score"]
        if "target_language_share" in entry:
            out[f"target_language_share_{infix}{direction}"] = (
                entry["target_language_share"]["share"])
    return out
