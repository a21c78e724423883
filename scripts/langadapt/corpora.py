"""CPT corpora as declared data: each corpus is a name, a language role and where it comes from.

DESIGN.md, "corpora and training sets as declared data". The config's short form expands to:

* ``english`` (role english): ``mixture.english_source`` — ``parallel`` = the English side of
  the clean train pairs, or a source with ``role: english`` (FineWeb, local English text);
* ``real`` (role target, real): the target side of the clean train split;
* ``mt`` (role target, synthetic) = translate(``synthetic.translation.english_source``),
  filtered; present when synthetic translation is enabled with ``cpt_corpus: true``;
* ``translit`` = transliterate(``real``) and ``translit_mt`` = transliterate(``mt``) (role
  target, synthetic), as ``synthetic.transliteration.corpora`` lists them.

A CPT grid cell with ``corpus: <set>`` (``cpt.corpus_sets``) reads its ``real`` corpus from
``results/data/{lang}/clean/train/corpus=<set>.jsonl``: the clean train records of those sources.

Each corpus is one JSONL file and one text field; ``results/tokens/{lang}/{name}.npy`` holds it
tokenised once. The mixture weights target corpora by kind (real: ``mixture.real_weight``,
synthetic: the cell's ``synthetic_weight``) and fills the rest of the budget from ``english``.
"""

from langadapt.errors import config_error
from langadapt.textio import read_jsonl, write_jsonl

TRANSLIT_CORPORA = {"real": "translit", "mt": "translit_mt"}
NAMES = ("english", "real", "mt", "translit", "translit_mt")


def english_file(config: dict, lang: str, english_source: str) -> str:
    """JSONL whose ``en`` field is the English text named by ``english_source``."""
    if english_source == "parallel":
        return f"results/data/{lang}/clean/train.jsonl"
    return f"results/data/{lang}/sources/{english_source}.jsonl"


def corpus_plan(config: dict, lang: str) -> dict[str, dict]:
    """``{name: {role, kind, file, field, origin}}`` of every corpus this config defines."""
    synthetic = config["synthetic"]
    plan = {
        "english": {
            "role": "english", "kind": "english", "field": "en",
            "file": english_file(config, lang, config["mixture"]["english_source"]),
            "origin": f"source {config['mixture']['english_source']}",
        },
        "real": {"role": "target", "kind": "real", "field": "target",
                 "file": f"results/data/{lang}/clean/train.jsonl", "origin": "clean train split"},
    }
    if synthetic["translation"]["enabled"] and synthetic["translation"].get("cpt_corpus", True):
        plan["mt"] = {
            "role": "target", "kind": "synthetic", "field": "target",
            "file": f"results/data/{lang}/synthetic/mt.filtered.jsonl",
            "origin": f"translate({synthetic['translation']['english_source']}), filtered",
        }
    if synthetic["transliteration"]["enabled"]:
        for corpus in synthetic["transliteration"]["corpora"]:
            name = TRANSLIT_CORPORA[corpus]
            plan[name] = {
                "role": "target", "kind": "synthetic", "field": "text",
                "file": f"results/data/{lang}/synthetic/{name}.jsonl",
                "origin": f"transliterate({corpus}, {synthetic['transliteration']['scheme']})",
            }
    return plan


def translit_input(config: dict, lang: str, name: str) -> tuple[str, str]:
    """(JSONL, field) that transliterated corpus ``name`` romanises."""
    if name == "translit_mt":
        return f"results/data/{lang}/synthetic/mt.filtered.jsonl", "target"
    return f"results/data/{lang}/clean/train.jsonl", "target"


def target_sources(config: dict) -> list[str]:
    """Sources cleaned and split as target-language data (every source without role english)."""
    return [s["name"] for s in config["sources"] if s.get("role", "target") != "english"]


def select_corpus_set(train_path, out_path, set_name: str, sources: list[str]) -> int:
    """Rule select_corpus_set: the clean train records of ``sources`` (the ``real`` corpus of
    CPT corpus set ``set_name``); a set that keeps no record stops naming its key."""
    kept = [record for record in read_jsonl(train_path) if record["source"] in sources]
    if not kept:
        raise config_error(f"cpt.corpus_sets.{set_name}",
                           f"no clean train record comes from {sources} ({train_path})")
    return write_jsonl(out_path, kept)
