"""Fetch a Debian package and extract it without installing: ``apt-get download`` + ``dpkg-deb -x``.

``apt-get download`` needs no root (as root apt prints a harmless warning that the download
is not sandboxed as user ``_apt``); it uses the machine's configured apt sources, so the
version is whatever ``apt-cache policy <package>`` shows as candidate and is recorded with the
.deb's sha256. Everything happens in a temporary directory beside the output, which is renamed
into place only when extraction succeeded.
"""

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

from langadapt.errors import LangadaptError, config_error
from langadapt.textio import write_json


def _run(command: list[str], cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True)


def sha256_file(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_deb(package: str, directory, config_key: str = "sources") -> Path:
    """Download ``package``'s .deb into ``directory``; a missing package names the config key."""
    if shutil.which("apt-get") is None:
        raise config_error(
            config_key, f"package '{package}': apt-get not found (Debian/Ubuntu only)"
        )
    result = _run(["apt-get", "download", package], cwd=directory)
    debs = sorted(Path(directory).glob("*.deb"))
    if result.returncode != 0 or not debs:
        message = result.stderr.strip().splitlines()
        reason = next((line for line in message if line.startswith("E:")), " ".join(message[-1:]))
        if (
            "Unable to locate package" in result.stderr
            or "has no installation candidate" in result.stderr
        ):
            raise config_error(
                config_key,
                f"Debian package '{package}' does not exist in the configured apt sources "
                f"(apt-cache search libreoffice-help lists the available ones): {reason}",
            )
        raise config_error(config_key, f"apt-get download {package} failed: {reason}")
    return debs[0]


def deb_field(deb, field: str) -> str:
    result = _run(["dpkg-deb", "-f", str(deb), field])
    if result.returncode != 0:
        raise LangadaptError(f"{deb}: dpkg-deb -f failed: {result.stderr.strip()}")
    return result.stdout.strip()


def fetch_package(package: str, out_dir, metadata_path, config_key: str = "sources") -> dict:
    """Extract ``package`` into ``out_dir`` and write ``{package, version, sha256, deb}`` JSON."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{package}.", dir=out_dir.parent) as work:
        deb = download_deb(package, work, config_key)
        extracted = Path(work) / "tree"
        result = _run(["dpkg-deb", "-x", str(deb), str(extracted)])
        if result.returncode != 0:
            raise LangadaptError(f"{deb.name}: dpkg-deb -x failed: {result.stderr.strip()}")
        metadata = {
            "package": deb_field(deb, "Package"),
            "version": deb_field(deb, "Version"),
            "sha256": sha256_file(deb),
            "deb": deb.name,
        }
        if out_dir.exists():
            shutil.rmtree(out_dir)
        extracted.rename(out_dir)
    write_json(metadata_path, metadata)
    return metadata
