"""Layer alignment (x-LLaMA's analysis; rule ``paper_layer_alignment``): per layer, the mean
cosine similarity of the representations of parallel sentences (English and target), before
and after adaptation.

A sentence's representation at a layer is the mean of its tokens' hidden states. The floor is
the same similarity over mismatched pairs (each English sentence against the next pair's
target): a layer aligns languages only as far as parallel pairs beat mismatched ones, so the
figure draws both and the JSON keeps their difference (``gap``).
"""

from pathlib import Path

import torch

from langadapt.errors import config_error
from langadapt.textio import read_jsonl, write_json


@torch.no_grad()
def _sentence_states(model, tokenizer, texts: list[str], max_tokens: int) -> torch.Tensor:
    """[layers + 1, sentences, hidden]: mean-pooled hidden states (embeddings first)."""
    pooled = []
    for text in texts:
        ids = tokenizer(text, return_tensors="pt", truncation=True, max_length=max_tokens)
        ids = ids.to(model.device)
        states = model(**ids, output_hidden_states=True).hidden_states
        pooled.append(torch.stack([layer[0].float().mean(dim=0) for layer in states]))
    return torch.stack(pooled, dim=1)


def layer_similarity(model, tokenizer, pairs: list[dict], max_tokens: int = 128) -> dict:
    """{parallel, mismatched, gap}: per layer (0 = embeddings), the mean cosine similarity of
    parallel and of mismatched sentence pairs, and their difference."""
    if len(pairs) < 2:
        raise config_error("paper.layer_alignment.pairs", "at least 2 parallel pairs are needed "
                           f"(a mismatched floor needs a second pair); {len(pairs)} available")
    english = _sentence_states(model, tokenizer, [p["en"] for p in pairs], max_tokens)
    target = _sentence_states(model, tokenizer, [p["target"] for p in pairs], max_tokens)
    cosine = torch.nn.functional.cosine_similarity
    parallel = cosine(english, target, dim=-1).mean(dim=1)
    mismatched = cosine(english, target.roll(1, dims=1), dim=-1).mean(dim=1)
    return {"parallel": parallel.tolist(), "mismatched": mismatched.tolist(),
            "gap": (parallel - mismatched).tolist()}


def write_layer_alignment(models: dict, pairs_path, out_json, max_pairs: int,
                          max_tokens: int = 128, dtype: str = "float32") -> dict:
    """Rule paper_layer_alignment: {checkpoint: model dir} -> JSON {pairs, checkpoints: {name:
    layer_similarity}} over the first ``max_pairs`` held-out translation pairs (models in
    ``dtype`` on the GPU when there is one; similarities in float32)."""
    from langadapt.modeling import load_model, load_tokenizer

    pairs = read_jsonl(pairs_path)[:max_pairs]
    result = {"pairs": len(pairs), "max_tokens": max_tokens, "checkpoints": {}}
    for name, model_dir in models.items():
        tokenizer = load_tokenizer(model_dir)
        model = load_model(model_dir, dtype=dtype, tokenizer=tokenizer).eval()
        model.to("cuda" if torch.cuda.is_available() else "cpu")
        result["checkpoints"][name] = layer_similarity(model, tokenizer, pairs, max_tokens)
        del model
    write_json(out_json, result)
    return result


def layer_alignment_figure(result: dict, out_stem, language_name: str) -> None:
    """One line per checkpoint (parallel pairs), dashed: its mismatched-pair floor."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3.4, 2.4), constrained_layout=True)
    for index, (name, scores) in enumerate(result["checkpoints"].items()):
        color = f"C{index}"
        layers = range(len(scores["parallel"]))
        ax.plot(layers, scores["parallel"], color=color, marker="o", markersize=2, label=name)
        ax.plot(layers, scores["mismatched"], color=color, linestyle="--", linewidth=0.8)
    ax.set_xlabel("layer (0 = embeddings)")
    ax.set_ylabel(f"cosine, English vs {language_name}")
    ax.set_title(f"{result['pairs']} pairs; dashed: mismatched pairs", fontsize=7)
    ax.legend(fontsize=5, loc="best")
    stem = Path(out_stem)
    for suffix in (".pdf", ".png"):
        fig.savefig(stem.with_suffix(suffix), dpi=200)
    plt.close(fig)
