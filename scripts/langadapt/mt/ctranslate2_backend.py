"""Encoder-decoder MT (NLLB, M2M100, Marian) through CTranslate2: the ``hf_seq2seq`` backend when
``synthetic.translation.ctranslate2_model`` names a converted model directory.

Convert once with ``ct2-transformers-converter --model <hf dir> --output_dir <dir>
[--quantization int8]``. CTranslate2 runs the same greedy decoding as the transformers path
(``langadapt.mt.seq2seq``, the fallback), on GPU when one is visible, with ``compute_type``
int8 / bfloat16 / float16 kernels, in batches of similar length; the transformers tokenizer of
``model`` tokenises and detokenises, so the two paths read and write the same text.
"""

from transformers import AutoTokenizer

from langadapt.mt.seq2seq import MAX_INPUT_TOKENS, language_token_id
from langadapt.mt.text import clean_line, length_sorted_batches
from langadapt.progress import progress


class CTranslate2Translator:
    def __init__(
        self,
        model: str,
        converted_dir: str,
        source_lang_code: str | None = None,
        target_lang_code: str | None = None,
        batch_size: int = 16,
        max_new_tokens: int = 256,
        compute_type: str = "default",
    ):
        import ctranslate2

        self.model_name, self.converted_dir = str(model), str(converted_dir)
        self.tokenizer = AutoTokenizer.from_pretrained(self.model_name)
        if source_lang_code and hasattr(self.tokenizer, "src_lang"):
            self.tokenizer.src_lang = source_lang_code
        self.device = "cuda" if ctranslate2.get_cuda_device_count() else "cpu"
        self.translator = ctranslate2.Translator(
            self.converted_dir, device=self.device, compute_type=compute_type)
        self.compute_type = compute_type
        self.version = ctranslate2.__version__
        has_language = language_token_id(self.tokenizer, target_lang_code) is not None
        self.target_prefix = (self.tokenizer.convert_ids_to_tokens(
            language_token_id(self.tokenizer, target_lang_code)) if has_language else None)
        self.target_lang_code = target_lang_code
        self.batch_size = batch_size
        self.max_new_tokens = max_new_tokens
        self.truncated = {"inputs": 0, "outputs": 0}  # counted, reported in provenance

    def translate(self, lines: list[str]) -> list[str]:
        cleaned = [clean_line(line) for line in lines]
        out = [""] * len(cleaned)
        chunks = length_sorted_batches(cleaned, self.batch_size)
        for positions, batch in progress(chunks, "translate (ctranslate2)", len(cleaned), "lines",
                                         lambda chunk: len(chunk[0])):
            ids = self.tokenizer(batch)["input_ids"]
            self.truncated["inputs"] += sum(len(row) > MAX_INPUT_TOKENS for row in ids)
            sources = [self.tokenizer.convert_ids_to_tokens(row[:MAX_INPUT_TOKENS]) for row in ids]
            prefix = [[self.target_prefix]] * len(sources) if self.target_prefix else None
            results = self.translator.translate_batch(
                sources, target_prefix=prefix, beam_size=1, max_batch_size=self.batch_size,
                max_decoding_length=self.max_new_tokens)
            for position, result in zip(positions, results, strict=True):
                tokens = result.hypotheses[0]
                self.truncated["outputs"] += len(tokens) >= self.max_new_tokens
                ids = self.tokenizer.convert_tokens_to_ids(tokens)
                out[position] = clean_line(self.tokenizer.decode(ids, skip_special_tokens=True))
        return out

    def describe(self) -> dict:
        return {
            "backend": "hf_seq2seq",
            "engine": "ctranslate2",
            "version": self.version,
            "model": self.model_name,
            "converted_model": self.converted_dir,
            "compute_type": self.compute_type,
            "device": self.device,
            "target_lang_code": self.target_lang_code,
            "max_input_tokens": MAX_INPUT_TOKENS,
            "max_new_tokens": self.max_new_tokens,
            "truncated": dict(self.truncated),
        }
