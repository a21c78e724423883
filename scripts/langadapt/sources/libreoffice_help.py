"""Parallel text from the LibreOffice help: one HTML tree per language, aligned by (file, id).

Every translatable paragraph of the help is an element with an ``id`` attribute that is the
same in every language: ``<p id=...>`` (body text, list items, table cells such as
``class="paragraphintable"``) and headings ``<h1..h6 id=...>``. We extract each such element's
text (inline markup such as ``<span>``/``<a>`` reduced to its text, images dropped, whitespace
normalised, NFC) and pair the English and target-language element with the same relative file
path and id. Records keep document order (``order``), the element kind (``h1``..``h6`` or
``p``) and the file (``doc``) so the instruction stage can rebuild sections from headings.

Pairs whose two sides are both empty are structure (icon cells), not text: they are skipped
here. Pairs with one empty side, and untranslated pairs (identical sides), are kept and dropped
(and counted) by the cleaning stage.
"""

from html.parser import HTMLParser
from pathlib import Path

from langadapt.errors import config_error
from langadapt.textio import decode_utf8, normalize_text

HELP_DIR = Path("usr/share/libreoffice/help")
ENGLISH_TREE = "en-US"
CAPTURED = {"p", "h1", "h2", "h3", "h4", "h5", "h6"}
# Tags that end the current paragraph when they open or close (HTML closes <p> implicitly
# on block elements; the help relies on that in table cells).
BLOCKS = CAPTURED | {
    "div",
    "table",
    "tr",
    "td",
    "th",
    "li",
    "ul",
    "ol",
    "pre",
    "section",
    "header",
    "footer",
    "aside",
    "nav",
    "body",
    "html",
    "dl",
    "dt",
    "dd",
    "blockquote",
}
SKIPPED = {"script", "style", "title", "noscript"}


class _HelpParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, str, str]] = []  # (id, kind, raw text)
        self._current: tuple[str, str, list[str]] | None = None
        self._skipping = 0

    def _finish(self):
        if self._current is not None:
            element_id, kind, parts = self._current
            self.elements.append((element_id, kind, "".join(parts)))
            self._current = None

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self._skipping += 1
            return
        if tag in BLOCKS:
            self._finish()
        if tag in CAPTURED:
            element_id = dict(attrs).get("id")
            if element_id:
                self._current = (element_id, tag, [])
        elif tag == "br" and self._current is not None:
            self._current[2].append(" ")

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in BLOCKS:
            self._finish()

    def handle_data(self, data):
        if self._current is not None and not self._skipping:
            self._current[2].append(data)

    def close(self):
        super().close()
        self._finish()


def extract_elements(html: str) -> list[dict]:
    """``[{"id", "kind", "text"}]`` of one help page in document order.

    An id that repeats inside a page (embedded sections) gets ``~2``, ``~3``... so that the
    n-th occurrence pairs with the n-th occurrence in the other language.
    """
    parser = _HelpParser()
    parser.feed(html)
    parser.close()
    seen: dict[str, int] = {}
    elements = []
    for element_id, kind, text in parser.elements:
        seen[element_id] = seen.get(element_id, 0) + 1
        key = element_id if seen[element_id] == 1 else f"{element_id}~{seen[element_id]}"
        elements.append(
            {"id": key, "kind": "p" if kind == "p" else kind, "text": normalize_text(text)}
        )
    return elements


def help_tree(
    package_dir, package: str, config_key: str, english: bool = False, name: str | None = None
) -> Path:
    """The language tree (``.../help/<lang>``) inside an extracted help package.

    ``name`` chooses the tree when a package holds several (``libreoffice-help-ca``: ``ca``
    and ``ca-valencia``); it is the source's ``help_tree`` key.
    """
    root = Path(package_dir) / HELP_DIR
    if not root.is_dir():
        raise config_error(
            config_key,
            f"package '{package}' has no {HELP_DIR}; is it a libreoffice-help-<lang> package?",
        )
    trees = sorted(p for p in root.iterdir() if p.is_dir() and (p / "text").is_dir())
    if english:
        trees = [p for p in trees if p.name == ENGLISH_TREE]
    else:
        trees = [p for p in trees if p.name != ENGLISH_TREE]
    found = ", ".join(p.name for p in trees) or "none"
    if name is not None:
        chosen = [p for p in trees if p.name == name]
        if not chosen:
            raise config_error(
                _sibling_key(config_key, "help_tree"),
                f"package '{package}' has no '{name}' help tree under {HELP_DIR}; found: {found}",
            )
        return chosen[0]
    if len(trees) != 1:
        wanted = ENGLISH_TREE if english else "one non-English language"
        hint = "" if english or len(trees) < 2 else "; choose one with help_tree"
        raise config_error(
            config_key,
            f"package '{package}' should hold {wanted} under {HELP_DIR}; found: {found}{hint}",
        )
    return trees[0]


def _sibling_key(config_key: str, name: str) -> str:
    """``sources[0].package`` -> ``sources[0].help_tree``."""
    return f"{config_key.rsplit('.', 1)[0]}.{name}"


def _read_page(path: Path) -> list[dict]:
    return extract_elements(decode_utf8(path.read_bytes(), path))


def align_trees(english_tree, target_tree, source_name: str = "lohelp") -> list[dict]:
    """Aligned records of two help trees, in (file path, document) order.

    Each record: ``id`` (``source:file#element``), ``group`` (help module: the first path
    component after ``text/``), ``en``, ``target``, ``doc`` (file path below the language
    tree), ``kind`` (``h1``..``h6`` or ``p``), ``order`` (position in the source).
    """
    english_tree, target_tree = Path(english_tree), Path(target_tree)
    records = []
    for english_page in sorted(english_tree.glob("text/**/*.html")):
        relative = english_page.relative_to(english_tree)
        target_page = target_tree / relative
        if not target_page.is_file():
            continue
        target_by_id = {element["id"]: element for element in _read_page(target_page)}
        group = relative.parts[1] if len(relative.parts) > 2 else "text"
        for element in _read_page(english_page):
            target = target_by_id.get(element["id"])
            if target is None or not (element["text"] or target["text"]):
                continue
            records.append(
                {
                    "id": f"{source_name}:{relative.as_posix()}#{element['id']}",
                    "group": group,
                    "en": element["text"],
                    "target": target["text"],
                    "doc": relative.as_posix(),
                    "kind": element["kind"],
                    "order": len(records),
                }
            )
    return records


def load(
    source: dict, english_dir, target_dir, lang: str, config_key: str = "sources"
) -> list[dict]:
    """Records of a ``libreoffice_help`` source from its two extracted Debian packages.

    The target tree must be the configured language (``pt-BR`` serves ``pt``): a package for
    another language is a config error, not a silently mislabelled corpus.
    """
    english_tree = help_tree(
        english_dir, source["english_package"], f"{config_key}.english_package", english=True
    )
    target_tree = help_tree(
        target_dir, source["package"], f"{config_key}.package", name=source.get("help_tree")
    )
    if target_tree.name.split("-")[0].lower() != lang:
        raise config_error(
            f"{config_key}.package",
            f"package '{source['package']}' holds the '{target_tree.name}' help, "
            f"but language.code is '{lang}'",
        )
    records = align_trees(english_tree, target_tree, source["name"])
    if not records:
        raise config_error(
            config_key, f"no aligned paragraphs between {english_tree} and {target_tree}"
        )
    return records
