"""Out-of-domain held-out text from Firefox langpacks (Fluent .ftl inside .xpi zips)."""

import pytest
from langadapt.errors import LangadaptError
from langadapt.sources.mozilla_l10n import load_out_of_domain, parse_ftl
from tiny_workflow import write_langpack

SPEC = {"package": "firefox-esr-l10n-gl", "english_package": "firefox-esr-l10n-en-gb"}


def test_parse_ftl_keeps_plain_values_and_attributes():
    text = (
        "# comment\n"
        "-brand-name = Firefox\n"
        "plain = Open the file\n"
        "multi =\n    First line\n    second line\n"
        "button =\n    .label = Save\n    .accesskey = S\n"
        "with-placeable = Restart { -brand-name }\n"
        "select = { $count ->\n    [one] One\n   *[other] Many\n}\n"
    )
    assert parse_ftl(text) == {"plain": "Open the file", "multi": "First line second line",
                               "button.label": "Save", "button.accesskey": "S"}


@pytest.fixture(scope="module")
def langpacks(tmp_path_factory):
    root = tmp_path_factory.mktemp("debian")
    for locale in ("gl", "en-GB"):
        write_langpack(root / locale, locale)
    return root


def test_out_of_domain_pairs_are_aligned_translated_and_unique(langpacks):
    built = load_out_of_domain(langpacks / "gl", langpacks / "en-GB", SPEC, "gl")
    records, summary = built["records"], built["summary"]
    assert summary["locales"] == {"target": "gl", "english": "en-GB"}
    assert summary["documents"] == 3 and summary["aligned_messages"] == len(records) > 50
    assert all(r["en"] != r["target"] and "{" not in r["target"] for r in records)
    assert len({r["target"] for r in records}) == len(records)
    by_id = {r["id"]: r for r in records}
    assert by_id["browser/aboutLogins.ftl#about-logins-page-title-name"]["target"] == "Contrasinais"


def test_out_of_domain_package_of_another_language_names_the_key(langpacks):
    with pytest.raises(LangadaptError, match="config key 'evaluation.out_of_domain.package': "
                                             "package 'firefox-esr-l10n-gl' holds locale 'gl', "
                                             "not the language 'eu'"):
        load_out_of_domain(langpacks / "gl", langpacks / "en-GB", SPEC, "eu")


def test_out_of_domain_package_without_ftl_names_the_tree(tmp_path, langpacks):
    (tmp_path / "empty").mkdir()
    with pytest.raises(LangadaptError, match="empty: no .xpi / omni.ja holding"):
        load_out_of_domain(langpacks / "gl", tmp_path / "empty", SPEC, "gl")
