"""Translation by prompting a decoder-only LLM: fixed prompt, greedy, batched, first line kept."""

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

from langadapt import modeling
from langadapt.mt.text import batches, clean_line, count_cut_outputs
from langadapt.progress import progress

PROMPT = (
    "Translate the following English text into {language}. "
    "Reply with the translation only.\n\nEnglish: {text}"
)


class CausalLMTranslator:
    def __init__(
        self, model: str, target_language: str, batch_size: int = 16, max_new_tokens: int = 128
    ):
        self.model_name = str(model)
        self.tokenizer = AutoTokenizer.from_pretrained(self.model_name)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = AutoModelForCausalLM.from_pretrained(
            self.model_name, trust_remote_code=False, use_safetensors=True
        )
        self.device = modeling.model_device()
        self.model.to(self.device).eval()
        self.target_language = target_language
        self.batch_size = batch_size
        self.max_new_tokens = max_new_tokens
        self.truncated = {"inputs": 0, "outputs": 0}  # counted, reported in provenance

    def prompt(self, text: str) -> str:
        message = PROMPT.format(language=self.target_language, text=text)
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(
                [{"role": "user", "content": message}], tokenize=False, add_generation_prompt=True
            )
        return message + f"\n{self.target_language}:"

    @torch.inference_mode()
    def translate(self, lines: list[str]) -> list[str]:
        cleaned = [clean_line(line) for line in lines]
        out: list[str] = []
        chunks = batches(cleaned, self.batch_size)
        for batch in progress(chunks, "translate (causal LM)", len(cleaned), "lines", len):
            prompts = [self.prompt(text) for text in batch]
            encoded = self.tokenizer(
                prompts, return_tensors="pt", padding=True, add_special_tokens=False
            ).to(self.device)
            generated = self.model.generate(
                **encoded,
                max_new_tokens=self.max_new_tokens,
                do_sample=False,
                num_beams=1,
                pad_token_id=self.tokenizer.pad_token_id,
            )
            new_tokens = generated[:, encoded["input_ids"].shape[1] :]
            self.truncated["outputs"] += count_cut_outputs(
                new_tokens, self.tokenizer.eos_token_id, self.max_new_tokens)
            for text in self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True):
                first = next((line for line in text.strip().splitlines() if line.strip()), "")
                out.append(clean_line(first))
        return out

    def describe(self) -> dict:
        return {
            "backend": "causal_lm",
            "version": transformers.__version__,
            "model": self.model_name,
            "prompt": PROMPT,
            "max_new_tokens": self.max_new_tokens,
            "truncated": dict(self.truncated),
        }
