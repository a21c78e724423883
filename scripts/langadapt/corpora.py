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
tokenised once, or ``results/tokens/{lang}/{name}/{shard}-of-{shards}.npy`` its shards when its
source has ``shards > 1`` (``corpus_shards``). The mixture weights target corpora by kind
(real: ``mixture.real_weight``, synthetic: the cell's ``synthetic_weight``) or by
``mixture.target_shares``, and fills the rest of the budget from ``english``.
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


def source_shards(config: dict, name: str) -> int:
    """``shards`` of source ``name``; ``parallel`` = the clean train split (``clean_shards``)."""
    if name == "parallel":
        return clean_shards(config)
    return next(int(s.get("shards", 1)) for s in config["sources"] if s["name"] == name)


def clean_shards(config: dict) -> int:
    """Shards of corpora from the clean train split: the most any target source asks for.

    Cleaning and the held-out split gather every target source (deduplication and the split by
    group need all of them); the corpora built from the split are sharded again after it.
    """
    return max([int(s.get("shards", 1)) for s in config["sources"]
                if s.get("role", "target") != "english"] or [1])


def corpus_shards(config: dict, name: str) -> int:
    """Shards of corpus ``name``: those of the source it comes from."""
    if name == "english":
        return source_shards(config, config["mixture"]["english_source"])
    if name in ("mt", "translit_mt"):
        return source_shards(config, config["synthetic"]["translation"]["english_source"])
    return clean_shards(config)


def shard_text_file(lang: str, name: str, label: str) -> str:
    """JSONL of one shard (``label`` = ``{shard}-of-{shards}``) of corpus ``name``."""
    return f"results/data/{lang}/shards/{name}/{label}.jsonl"


def token_files(config: dict, lang: str, name: str, prefix: str = "") -> list[str]:
    """Token ``.npy`` files of corpus ``name`` in shard order (``prefix``: e.g. ``vocab=N/``)."""
    shards = corpus_shards(config, name)
    if shards == 1:
        return [f"results/tokens/{lang}/{prefix}{name}.npy"]
    return [f"results/tokens/{lang}/{prefix}{name}/{shard}-of-{shards}.npy"
            for shard in range(shards)]


def select_corpus_set(train_path, out_path, set_name: str, sources: list[str]) -> int:
    """Rule select_corpus_set: the clean train records of ``sources`` (the ``real`` corpus of
    CPT corpus set ``set_name``); a set that keeps no record stops naming its key."""
    kept = [record for record in read_jsonl(train_path) if record["source"] in sources]
    if not kept:
        raise config_error(f"cpt.corpus_sets.{set_name}",
                           f"no clean train record comes from {sources} ({train_path})")
    return write_jsonl(out_path, kept)
