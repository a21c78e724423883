"""Machine translation English -> target language behind one small interface.

``get_translator(spec)`` takes ``config["synthetic"]["translation"]`` and returns a
:class:`Translator` whose ``translate(lines)`` returns exactly one output line per input line
(the 1:1 alignment every synthetic-data consumer relies on) and whose ``describe()`` records
the backend and its version for provenance files.

Backends: ``apertium`` (rule-based, Debian packages, offline), ``hf_seq2seq`` (NLLB / Marian /
M2M100 through ``AutoModelForSeq2SeqLM``, or through CTranslate2 when ``ctranslate2_model`` names
a converted model) and ``causal_lm`` (a prompted decoder-only LLM).
"""

from typing import Protocol

from langadapt.errors import config_error
from langadapt.mt.text import clean_line


class Translator(Protocol):
    def translate(self, lines: list[str]) -> list[str]:
        """Translate ``lines``; the result has the same length and order."""

    def describe(self) -> dict:
        """Provenance: at least ``backend`` and ``version``."""


def get_translator(spec: dict) -> Translator:
    """Build the translator named by ``spec["backend"]`` (config ``synthetic.translation``)."""
    backend = spec.get("backend", "apertium")
    if backend == "apertium":
        from langadapt.mt.apertium import ApertiumTranslator

        if not spec.get("apertium_pair"):
            raise config_error(
                "synthetic.translation.apertium_pair",
                "the apertium backend needs a pair such as en-gl",
            )
        return ApertiumTranslator(spec["apertium_pair"])
    if backend in ("hf_seq2seq", "causal_lm"):
        if not spec.get("model"):
            raise config_error(
                "synthetic.translation.model", f"backend {backend} needs a model id or directory"
            )
        batch_size = int(spec.get("batch_size") or 16)
        limits = {}
        if spec.get("max_new_tokens"):
            limits["max_new_tokens"] = int(spec["max_new_tokens"])
        if backend == "hf_seq2seq" and spec.get("ctranslate2_model"):
            from langadapt.mt.ctranslate2_backend import CTranslate2Translator

            return CTranslate2Translator(
                spec["model"],
                spec["ctranslate2_model"],
                source_lang_code=spec.get("source_lang_code"),
                target_lang_code=spec.get("target_lang_code"),
                batch_size=batch_size,
                compute_type=spec.get("compute_type") or "default",
                **limits,
            )
        if backend == "hf_seq2seq":
            from langadapt.mt.seq2seq import Seq2SeqTranslator

            return Seq2SeqTranslator(
                spec["model"],
                source_lang_code=spec.get("source_lang_code"),
                target_lang_code=spec.get("target_lang_code"),
                batch_size=batch_size,
                **limits,
            )
        from langadapt.mt.causal import CausalLMTranslator

        return CausalLMTranslator(
            spec["model"],
            target_language=spec.get("target_language")
            or spec.get("target_lang_code")
            or "the target language",
            batch_size=batch_size,
            **limits,
        )
    raise config_error(
        "synthetic.translation.backend", f"{backend!r} is not apertium, hf_seq2seq or causal_lm"
    )


__all__ = ["Translator", "get_translator", "clean_line"]
