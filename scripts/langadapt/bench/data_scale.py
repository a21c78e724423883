"""Peak host memory of mix -> CPT at two corpus sizes (issue 21): it must not grow with the corpus.

    python -m langadapt.bench.data_scale --model DIR --work DIR --tokens 20M 200M \\
        [--mt-sentences 1000]

For each size, three token corpora (english, real, mt; a third of the tokens each; documents of
1..1000 random ids below the model's vocabulary, EOS-terminated) are written as memory-mapped
``.npy`` files, then each stage runs in its own process that reports its peak RSS:
``build_mixture`` of one cell (fixed budget, ratio 0.5, real weight 2) and ``train_cpt`` for
``--steps`` steps on that cell; and ``tokenize_corpus`` of one generated text shard of a
hundredth of the size in words (a shard is tokenised in memory: its RSS follows the shard, which
is what the ``shards`` count bounds). Prints one JSON object per size, writes them to ``--out``.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

CHUNK = 1 << 24


def write_corpus(path: Path, tokens: int, vocab: int, eos: int, seed: int) -> int:
    """``tokens`` random ids with EOS every 1..1000 tokens, written chunk by chunk; documents."""
    rng = np.random.default_rng(seed)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint32, shape=(tokens,))
    documents = 0
    for start in range(0, tokens, CHUNK):
        chunk = rng.integers(0, vocab, min(CHUNK, tokens - start), dtype=np.uint32)
        chunk[chunk == eos] = (eos + 1) % vocab
        ends = np.cumsum(rng.integers(1, 1001, len(chunk) // 500 + 2)) - 1
        ends = ends[ends < len(chunk)]
        chunk[ends] = eos
        chunk[-1] = eos
        documents += len(ends) + 1
        out[start : start + len(chunk)] = chunk
    out.flush()
    return documents


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM): ru_maxrss would carry the parent's over fork + exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage_tokenize(work: Path, model: str, words: int) -> dict:
    """Tokenise a generated JSONL shard of ``words`` words (one corpus shard, one job)."""
    from langadapt.tokenize_corpus import tokenize_corpus

    rng = np.random.default_rng(0)
    vocabulary = np.array(TEXT.split())
    path = work / "text.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        for start in range(0, words, 300):
            text = " ".join(vocabulary[rng.integers(0, len(vocabulary), min(300, words - start))])
            out.write(json.dumps({"target": text}) + "\n")
    stats = tokenize_corpus(path, "target", model, work / "text.npy", work / "text.json")
    return {"tokens": stats["tokens"], "tokens_per_second": stats["tokens_per_second"]}


TEXT = ("Abra o ficheiro e prema o botón Aceptar para gardar os cambios no documento actual "
        "Open the file and press the OK button to save the changes in the current document")


def stage_mix(work: Path, budget: int, seq_len: int) -> dict:
    from langadapt.mixture import build_mixture

    names = ("english", "real", "mt")
    started = time.perf_counter()
    info = build_mixture({n: [str(work / f"{n}.npy")] for n in names},
                         {n: [str(work / f"{n}.json")] for n in names},
                         work / "index.npy", work / "mix.json", 0.5, budget, 1.0, 2.0, seq_len)
    return {"seconds": round(time.perf_counter() - started, 2), "documents": info["documents"],
            "sequences": info["sequences"]}


def stage_train(work: Path, model: str, steps: int) -> dict:
    from langadapt.train.cpt import train_cpt

    recipe = {"learning_rate": 1e-3, "per_device_train_batch_size": 4, "max_steps": steps,
              "save_steps": 10 * steps, "logging_steps": 5, "bf16": False}
    summary = train_cpt(str(work / "mix.json"), model, str(work / "cpt"), str(work / "ck"),
                        recipe, seed=1)
    return {"steps": summary.get("steps"), "loss_end": summary.get("loss_end")}


def run_stage(argv: list[str]) -> dict:
    """One stage in a fresh interpreter; its JSON result plus peak RSS.

    Run by file path so the interpreter does not import ``langadapt.bench`` (torch) first.
    """
    done = subprocess.run([sys.executable, __file__, "--stage", *argv],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"stage {argv[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(size: int, model: str, work: Path, budget: int, seq_len: int, steps: int) -> dict:
    from transformers import AutoConfig, AutoTokenizer

    work.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(model)
    vocab = AutoConfig.from_pretrained(model).vocab_size
    started = time.perf_counter()
    for seed, name in enumerate(("english", "real", "mt")):
        path = work / f"{name}.npy"
        documents = write_corpus(path, size // 3, vocab, tokenizer.eos_token_id, seed)
        (work / f"{name}.json").write_text(json.dumps(
            {"eos_token_id": tokenizer.eos_token_id, "tokenizer": model, "documents": documents}))
    generated = time.perf_counter() - started
    return {"corpus_tokens": 3 * (size // 3), "generate_seconds": round(generated, 1),
            "mix": run_stage(["mix", str(work), str(budget), str(seq_len)]),
            "train": run_stage(["train", str(work), model, str(steps)]),
            "tokenize_shard": run_stage(["tokenize", str(work), model, str(size // 100)])}


def measure_mt(model: str, work: Path, sentences: int) -> dict:
    """Sentences/s of the MT engines on English lines of the generated text: Apertium en-gl (when
    installed) and, on a random M2M100 (NLLB's architecture, d_model 256, 2+2 layers) with
    ``model``'s tokenizer, transformers generate and CTranslate2 float32 and int8 (greedy, batch
    32, 32 new tokens)."""
    import ctranslate2
    import torch
    from transformers import AutoTokenizer, M2M100Config, M2M100ForConditionalGeneration

    from langadapt.mt import get_translator

    tokenizer = AutoTokenizer.from_pretrained(model)
    tokenizer.add_special_tokens({"additional_special_tokens": ["eng_Latn", "glg_Latn"]})
    if tokenizer.unk_token is None:
        tokenizer.add_special_tokens({"unk_token": "<unk>"})
    tokenizer.pad_token = tokenizer.convert_ids_to_tokens(1)  # CTranslate2: NLLB's pad id
    config = M2M100Config(vocab_size=len(tokenizer), d_model=256, encoder_layers=2,
                          decoder_layers=2, encoder_attention_heads=4, decoder_attention_heads=4,
                          encoder_ffn_dim=1024, decoder_ffn_dim=1024, max_position_embeddings=256,
                          pad_token_id=1, eos_token_id=tokenizer.eos_token_id,
                          decoder_start_token_id=tokenizer.eos_token_id)
    torch.manual_seed(0)
    M2M100ForConditionalGeneration(config).save_pretrained(work / "m2m")
    tokenizer.save_pretrained(work / "m2m")
    converter = ctranslate2.converters.TransformersConverter(str(work / "m2m"))
    converter.convert(str(work / "m2m_ct2"), force=True)
    converter.convert(str(work / "m2m_ct2_int8"), quantization="int8", force=True)
    rng = np.random.default_rng(0)
    words = TEXT.split()[14:]
    lines = [" ".join(rng.choice(words, rng.integers(3, 30))) for _ in range(sentences)]
    spec = {"backend": "hf_seq2seq", "model": str(work / "m2m"), "source_lang_code": "eng_Latn",
            "target_lang_code": "glg_Latn", "batch_size": 32, "max_new_tokens": 32}
    engines = {"transformers": spec,
               "ctranslate2_float32": {**spec, "ctranslate2_model": str(work / "m2m_ct2")},
               "ctranslate2_int8": {**spec, "ctranslate2_model": str(work / "m2m_ct2_int8"),
                                    "compute_type": "int8"}}
    if shutil.which("apertium"):
        engines["apertium_en_gl"] = {"backend": "apertium", "apertium_pair": "en-gl"}
    result = {}
    for name, engine in engines.items():
        translator = get_translator(engine)
        translator.translate(lines[:32])  # warm-up
        started = time.perf_counter()
        translator.translate(lines)
        result[name] = round(sentences / (time.perf_counter() - started), 1)
    # the random model decodes all 32 tokens (it repeats the language token; checked for both
    # CTranslate2 types); other jobs on the shared cores slow every engine: the load average
    # is recorded with the times
    return {"sentences": sentences, "sentences_per_second": result,
            "load_average_1min": round(os.getloadavg()[0], 1)}


def parse_count(text: str) -> int:
    return int(float(text.rstrip("kMB")) * {"k": 1e3, "M": 1e6, "B": 1e9}.get(text[-1], 1))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--model")
    parser.add_argument("--work", type=Path)
    parser.add_argument("--tokens", nargs="*", default=["20M", "200M"])
    parser.add_argument("--budget", default="4M")
    parser.add_argument("--seq-len", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--mt-sentences", type=int, default=0,
                        help="also time the MT engines on this many sentences")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.stage:
        name, work, *rest = args.stage
        stages = {"mix": lambda: stage_mix(Path(work), int(rest[0]), int(rest[1])),
                  "train": lambda: stage_train(Path(work), rest[0], int(rest[1])),
                  "tokenize": lambda: stage_tokenize(Path(work), rest[0], int(rest[1]))}
        result = stages[name]()
        print(json.dumps({**result, "peak_rss_mb": round(peak_rss_mb())}))
        return
    results = []
    for size in args.tokens:
        result = measure(parse_count(size), args.model, args.work / size,
                         parse_count(args.budget), args.seq_len, args.steps)
        results.append({"size": size, "budget": args.budget, **result})
        print(json.dumps(results[-1]), flush=True)
    if args.mt_sentences:
        results.append({"mt": measure_mt(args.model, args.work, args.mt_sentences)})
        print(json.dumps(results[-1]), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
