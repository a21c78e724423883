"""Translation en->xx and xx->en (rule ``eval_checkpoint``).

Greedy decoding with one fixed prompt per direction (through the chat template when the model
has one), the first line of the output as hypothesis, scored with sacrebleu BLEU and chrF++
(signatures saved), and spBLEU (``evaluation.spbleu``: BLEU over the SentencePiece pieces of
sacrebleu's flores101/flores200 tokenizers, as x-LLaMA scored FLORES-101) when enabled.
Non-base checkpoints are compared with the base model's hypotheses by paired bootstrap
resampling. COMET (optional) is ``langadapt.eval.comet``.
"""

from pathlib import Path

from sacrebleu.metrics import BLEU, CHRF

from langadapt.errors import config_error
from langadapt.eval.generation import generate
from langadapt.eval.significance import paired_bootstrap

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


def evaluate_translation(model, tokenizer, pairs: list[dict], language_name: str,
                         max_new_tokens: int = 64, batch_size: int = 8,
                         baseline: dict | None = None, resamples: int = 1000,
                         spbleu: dict | None = None, comet=None) -> dict:
    """Scores, hypotheses and (when ``baseline`` holds the base model's result) significance."""
    result = {"prompt": PROMPT, "directions": {}}
    for direction in DIRECTIONS:
        source_name, target_name = (("English", language_name) if direction == "en-xx"
                                    else (language_name, "English"))
        sources, references = direction_sides(pairs, direction)
        prompts = [translation_prompt(text, source_name, target_name) for text in sources]
        raw = generate(model, tokenizer, prompts, max_new_tokens, batch_size, stop_strings=["\n"])
        hypotheses = [first_line(text, target_name) for text in raw]
        saved = [{"id": p["id"], "hypothesis": h} for p, h in zip(pairs, hypotheses, strict=True)]
        scores = score(hypotheses, references, spbleu)
        if comet is not None:  # a loaded COMET model (langadapt.eval.comet)
            from langadapt.eval.comet import comet_score

            scores["comet"] = comet_score(comet, sources, hypotheses, references, batch_size)
        entry = {"scores": scores, "sentences": len(pairs),
                 "hypotheses": saved}
        if baseline is not None and resamples > 0:
            entry["vs_base"] = compare_with_baseline(
                hypotheses, baseline["directions"][direction]["hypotheses"], references, pairs,
                resamples, spbleu)
        result["directions"][direction] = entry
    return result


def compare_with_baseline(hypotheses, baseline_hypotheses, references, pairs, resamples,
                          spbleu: dict | None = None) -> dict:
    by_id = {h["id"]: h["hypothesis"] for h in baseline_hypotheses}
    missing = [p["id"] for p in pairs if p["id"] not in by_id]
    if missing:
        raise ValueError(f"base hypotheses lack {len(missing)} test ids (e.g. {missing[0]}); "
                         "rerun the base translation evaluation")
    baseline = [by_id[p["id"]] for p in pairs]
    return {name: paired_bootstrap(metric, hypotheses, baseline, references, resamples)
            for name, metric in metrics(spbleu).items()}
