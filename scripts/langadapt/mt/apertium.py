"""Apertium rule-based MT over plain text: one line in, one line out."""

import shutil
import subprocess

from langadapt.errors import LangadaptError
from langadapt.mt.text import clean_line
from langadapt.progress import progress_batches

MODES_DIR = "/usr/share/apertium/modes"
CHUNK_LINES = 5000


def _dpkg_version(package: str) -> str | None:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        return None
    return result.stdout.strip() or None


def _pair_package(pair: str) -> str | None:
    """Debian package that ships the ``pair`` mode file (``apertium-en-gl`` for en-gl)."""
    result = subprocess.run(
        ["dpkg-query", "-S", f"{MODES_DIR}/{pair}.mode"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or ":" not in result.stdout:
        return None
    return result.stdout.split(":", 1)[0].strip()


class ApertiumTranslator:
    """``apertium -u <pair>``; unknown-word marks dropped, markup stripped before translating."""

    def __init__(self, pair: str, executable: str = "apertium"):
        self.pair = pair
        self.executable = shutil.which(executable)
        if self.executable is None:
            raise LangadaptError(
                f"'{executable}' is not on PATH; "
                f"install the Debian packages apertium and apertium-{pair}"
            )
        self.package = _pair_package(pair)
        if self.package is None:
            raise LangadaptError(
                f"apertium pair '{pair}' is not installed ({MODES_DIR}/{pair}.mode missing); "
                "`apertium -l` lists the installed pairs"
            )

    def _run(self, lines: list[str]) -> list[str]:
        text = "".join(line + "\n" for line in lines)
        result = subprocess.run(
            [self.executable, "-u", self.pair],
            input=text,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise LangadaptError(f"apertium -u {self.pair} failed: {result.stderr.strip()[:500]}")
        out = result.stdout.split("\n")
        if out and out[-1] == "":
            out.pop()
        return out

    def _translate_aligned(self, lines: list[str]) -> list[str]:
        """Translate; when the line count drifts, bisect so only the offending line is joined."""
        out = self._run(lines)
        if len(out) == len(lines):
            return out
        if len(lines) == 1:
            return [" ".join(part.strip() for part in out).strip()]
        middle = len(lines) // 2
        return self._translate_aligned(lines[:middle]) + self._translate_aligned(lines[middle:])

    def translate(self, lines: list[str]) -> list[str]:
        cleaned = [clean_line(line) for line in lines]
        translated: list[str] = []
        for start in progress_batches(len(cleaned), CHUNK_LINES, "translate (apertium)", "lines"):
            translated.extend(self._translate_aligned(cleaned[start : start + CHUNK_LINES]))
        if len(translated) != len(
            lines
        ):  # the bisection makes this unreachable; keep the promise explicit
            raise LangadaptError(f"apertium returned {len(translated)} lines for {len(lines)}")
        return [line.strip() for line in translated]

    def describe(self) -> dict:
        return {
            "backend": "apertium",
            "pair": self.pair,
            "version": _dpkg_version("apertium"),
            "pair_package": self.package,
            "pair_version": _dpkg_version(self.package),
        }
