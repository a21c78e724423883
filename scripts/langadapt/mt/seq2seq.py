"""Encoder-decoder MT (NLLB, Marian, M2M100) through ``AutoModelForSeq2SeqLM``: greedy, in
batches of similar length (``length_sorted_batches``)."""

import torch
import transformers
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

from langadapt import modeling
from langadapt.mt.text import clean_line, count_cut_outputs, length_sorted_batches
from langadapt.progress import progress


def language_token_id(tokenizer, code: str | None) -> int | None:
    """Id of the language token for ``code`` (NLLB ``glg_Latn``, M2M100 ``__gl__``), if any."""
    if not code:
        return None
    unk = tokenizer.unk_token_id
    for candidate in (code, f"__{code}__", f"<{code}>", f">>{code}<<"):
        token_id = tokenizer.convert_tokens_to_ids(candidate)
        if isinstance(token_id, int) and token_id != unk and token_id is not None:
            return token_id
    return None


MAX_INPUT_TOKENS = 512


class Seq2SeqTranslator:
    def __init__(
        self,
        model: str,
        source_lang_code: str | None = None,
        target_lang_code: str | None = None,
        batch_size: int = 16,
        max_new_tokens: int = 256,
    ):
        self.model_name = str(model)
        self.tokenizer = AutoTokenizer.from_pretrained(self.model_name)
        if source_lang_code and hasattr(self.tokenizer, "src_lang"):
            self.tokenizer.src_lang = source_lang_code
        self.model = AutoModelForSeq2SeqLM.from_pretrained(
            self.model_name, trust_remote_code=False, use_safetensors=True
        )
        self.device = modeling.model_device()
        self.model.to(self.device).eval()
        self.forced_bos_token_id = language_token_id(self.tokenizer, target_lang_code)
        self.target_lang_code = target_lang_code
        self.batch_size = batch_size
        self.max_new_tokens = max_new_tokens
        self.max_input_tokens = MAX_INPUT_TOKENS
        self.truncated = {"inputs": 0, "outputs": 0}  # counted, reported in provenance

    @torch.inference_mode()
    def translate(self, lines: list[str]) -> list[str]:
        cleaned = [clean_line(line) for line in lines]
        out = [""] * len(cleaned)
        chunks = length_sorted_batches(cleaned, self.batch_size)
        for positions, batch in progress(chunks, "translate (seq2seq)", len(cleaned), "lines",
                                         lambda chunk: len(chunk[0])):
            lengths = [len(ids) for ids in self.tokenizer(batch)["input_ids"]]
            self.truncated["inputs"] += sum(n > self.max_input_tokens for n in lengths)
            encoded = self.tokenizer(
                batch, return_tensors="pt", padding=True, truncation=True,
                max_length=self.max_input_tokens,
            ).to(self.device)
            kwargs = {"max_new_tokens": self.max_new_tokens, "do_sample": False, "num_beams": 1}
            if self.forced_bos_token_id is not None:
                kwargs["forced_bos_token_id"] = self.forced_bos_token_id
            generated = self.model.generate(**encoded, **kwargs)
            self.truncated["outputs"] += count_cut_outputs(
                generated, self.model.generation_config.eos_token_id, self.max_new_tokens, 1)
            decoded = self.tokenizer.batch_decode(generated, skip_special_tokens=True)
            for position, text in zip(positions, decoded, strict=True):
                out[position] = clean_line(text)
        return out

    def describe(self) -> dict:
        return {
            "backend": "hf_seq2seq",
            "version": transformers.__version__,
            "model": self.model_name,
            "target_lang_code": self.target_lang_code,
            "forced_bos_token_id": self.forced_bos_token_id,
            "max_input_tokens": self.max_input_tokens,
            "max_new_tokens": self.max_new_tokens,
            "truncated": dict(self.truncated),
        }
