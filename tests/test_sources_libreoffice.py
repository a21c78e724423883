import pytest
from conftest import LOHELP
from langadapt.errors import LangadaptError
from langadapt.sources.libreoffice_help import align_trees, extract_elements, help_tree, load

PAGE = """<html><head><title>T</title><script>var x = "<p id='no'>";</script></head><body>
<h1 id="hd_1" dir="auto"><a name="x"></a>Operators</h1>
<p id="par_1" class="paragraph">Choose <span class="emph">View -
  Elements</span><img src="a.png" alt="icon">.<br>Next line</p>
<div class="icontable"><div class="iconcell">
<p id="par_icon" class="paragraphintable"><a name="bm"></a>
</div><div class="iconcell"><p id="par_2" class="paragraphintable">Inserts a <b>plus</b></p>
</div></div>
<table><tr><td><p id="par_cell" class="tablecontentintable">Cell &amp; text</td></tr></table>
<p id="par_1">Embedded again</p>
<p>No id: skipped</p>
</body></html>"""


def test_extract_elements_strips_markup_and_handles_unclosed_cells():
    elements = extract_elements(PAGE)
    assert [(e["id"], e["kind"], e["text"]) for e in elements] == [
        ("hd_1", "h1", "Operators"),
        ("par_1", "p", "Choose View - Elements. Next line"),
        ("par_icon", "p", ""),
        ("par_2", "p", "Inserts a plus"),
        ("par_cell", "p", "Cell & text"),
        ("par_1~2", "p", "Embedded again"),
    ]


def trees():
    english = help_tree(LOHELP / "en-us", "libreoffice-help-en-us", "k", english=True)
    return english, help_tree(LOHELP / "gl", "libreoffice-help-gl", "k")


def test_align_real_help_pages():
    records = align_trees(*trees(), source_name="lohelp")
    assert len(records) == 151
    assert {r["group"] for r in records} == {"smath", "schart", "sdraw", "swriter", "shared"}
    assert [r["order"] for r in records] == list(range(len(records)))
    new_page = next(r for r in records if r["en"] == "New Page")
    assert new_page == {
        "id": "lohelp:text/sdraw/main_page.html#hd_id3150202",
        "group": "sdraw",
        "en": "New Page",
        "target": "Nova páxina",
        "doc": "text/sdraw/main_page.html",
        "kind": "h2",
        "order": new_page["order"],
    }
    # Untranslated paragraphs keep the English text; they are dropped later, by clean.
    assert sum(r["en"] == r["target"] for r in records) == 22


def test_headings_precede_their_paragraphs_in_document_order():
    records = [r for r in align_trees(*trees()) if r["doc"] == "text/sdraw/main_page.html"]
    assert records[0]["kind"] == "h1" and records[0]["en"] == "Page"
    assert records[1]["kind"] == "p"


def test_package_without_a_language_tree_names_package_and_key(tmp_path):
    source = {"name": "lohelp", "package": "libreoffice-help-xx", "english_package": "en"}
    with pytest.raises(LangadaptError, match=r"sources\[0\].package.*libreoffice-help-xx"):
        load(source, LOHELP / "en-us", tmp_path, "xx", "sources[0]")


def test_package_for_another_language_is_a_config_error():
    source = {"name": "lohelp", "package": "libreoffice-help-gl", "english_package": "en"}
    with pytest.raises(LangadaptError, match=r"holds the 'gl' help, but language.code is 'eu'"):
        load(source, LOHELP / "en-us", LOHELP / "gl", "eu", "sources[0]")
    assert len(load(source, LOHELP / "en-us", LOHELP / "gl", "gl")) == 151


def _two_tree_package(tmp_path):
    """A package laid out like libreoffice-help-ca: the ca and ca-valencia trees side by side."""
    import shutil

    help_dir = tmp_path / "usr/share/libreoffice/help"
    (gl_tree,) = (LOHELP / "gl/usr/share/libreoffice/help").iterdir()
    shutil.copytree(gl_tree, help_dir / "ca")
    shutil.copytree(gl_tree / "text/smath", help_dir / "ca-valencia/text/smath")
    return tmp_path


def test_help_tree_key_chooses_one_of_several_trees(tmp_path):
    package = _two_tree_package(tmp_path)
    source = {"name": "lohelp", "package": "libreoffice-help-ca", "english_package": "en"}
    central = load({**source, "help_tree": "ca"}, LOHELP / "en-us", package, "ca")
    valencian = load({**source, "help_tree": "ca-valencia"}, LOHELP / "en-us", package, "ca")
    assert len(central) == 151  # the whole copied tree
    assert 0 < len(valencian) < len(central)
    assert {record["group"] for record in valencian} == {"smath"}


def test_several_trees_without_help_tree_name_them_and_the_key(tmp_path):
    package = _two_tree_package(tmp_path)
    source = {"name": "lohelp", "package": "libreoffice-help-ca", "english_package": "en"}
    with pytest.raises(LangadaptError) as caught:
        load(source, LOHELP / "en-us", package, "ca", "sources[0]")
    assert str(caught.value) == (
        "config key 'sources[0].package': package 'libreoffice-help-ca' should hold one "
        "non-English language under usr/share/libreoffice/help; found: ca, ca-valencia; "
        "choose one with help_tree"
    )
    with pytest.raises(LangadaptError) as caught:
        load({**source, "help_tree": "ca-valencia-x"}, LOHELP / "en-us", package, "ca",
             "sources[0]")
    assert str(caught.value) == (
        "config key 'sources[0].help_tree': package 'libreoffice-help-ca' has no "
        "'ca-valencia-x' help tree under usr/share/libreoffice/help; found: ca, ca-valencia"
    )
