"""envs/*.yaml pin exactly the versions pyproject.toml pins."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pins(requirements) -> dict[str, str]:
    pins = {}
    for requirement in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[^\]]+\])?==([^;\s]+)", requirement.strip())
        assert match, f"not pinned with ==: {requirement}"
        pins[match.group(1).lower().replace("_", "-")] = match.group(3)
    return pins


def _pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    return _pins(requirements)


@pytest.mark.parametrize("env_file", sorted((ROOT / "envs").glob("*.yaml")), ids=lambda p: p.name)
def test_env_pins_match_pyproject(env_file):
    env = yaml.safe_load(env_file.read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    expected = _pyproject_pins()
    for name, version in _pins(pip_section).items():
        assert name in expected, f"{env_file.name}: {name} is not a dependency in pyproject.toml"
        assert version == expected[name], (
            f"{env_file.name}: {name}=={version}, pyproject pins {expected[name]}"
        )


def test_every_dependency_is_pinned():
    assert _pyproject_pins()["torch"] == "2.13.0"
