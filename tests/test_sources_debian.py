import shutil

import pytest
from langadapt.errors import LangadaptError
from langadapt.sources.debian import fetch_package

needs_apt = pytest.mark.skipif(shutil.which("apt-get") is None, reason="needs apt-get (Debian)")


@needs_apt
def test_missing_package_names_package_and_config_key(tmp_path):
    with pytest.raises(LangadaptError) as error:
        fetch_package(
            "libreoffice-help-zz", tmp_path / "tree", tmp_path / "meta.json", "sources[0].package"
        )
    assert "config key 'sources[0].package'" in str(error.value)
    assert "'libreoffice-help-zz' does not exist" in str(error.value)
    assert not (tmp_path / "tree").exists() and not (tmp_path / "meta.json").exists()


@needs_apt
def test_fetch_extracts_and_records_version(tmp_path):
    metadata = fetch_package("libreoffice-help-en-us", tmp_path / "tree", tmp_path / "meta.json")
    assert metadata["package"] == "libreoffice-help-en-us"
    assert len(metadata["sha256"]) == 64 and metadata["version"]
    assert (tmp_path / "tree/usr/share/libreoffice/help/en-US/text").is_dir()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
