"""Each rule's conda env lists the packages its script imports (issue 23), read statically: the
third-party imports of the script and of every langadapt module it reaches (transitively,
package __init__ files included): top-level imports of each module reached, and the imports inside
each function or class the script references, followed through calls within a module and
imports between modules (names only, so a reference that is never called still counts).
An import is covered
when its distribution is in the env's pip list or is required by one that is (pip installs it).
"""

import ast
import importlib.metadata
import re
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"
RULE = re.compile(r"^rule (\w+):\n((?:[ \t]+.*\n|\n)+)", re.M)
CONDA = re.compile(r'^\s+conda:\s*\n\s+"\.\./envs/([\w.-]+)"', re.M)
SCRIPT = re.compile(r'^\s+script:\s*\n\s+"\.\./scripts/([\w.-]+)"', re.M)


# Imports of optional features no env pins, each behind a config key whose error says what to
# install: {module: the feature}.
OPTIONAL = {"comet": "evaluation.comet_model (pip install unbabel-comet; langadapt.eval.comet)"}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def rule_envs() -> dict[str, tuple[str, str]]:
    """{rule: (env file, script file)} of every rule with both."""
    found = {}
    for path in sorted((ROOT / "rules").glob("*.smk")):
        for name, block in RULE.findall(path.read_text(encoding="utf-8")):
            env, script = CONDA.search(block), SCRIPT.search(block)
            if env and script:
                found[name] = (env.group(1), script.group(1))
    return found


def _module_path(module: str) -> Path | None:
    base = SCRIPTS.joinpath(*module.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _package_modules(module: str) -> list[str]:
    """``module`` and the packages above it (importing it runs their __init__ files)."""
    parts = module.split(".")
    return [".".join(parts[:depth]) for depth in range(1, len(parts) + 1)]


class _Module:
    """One file's imports, split by where they run: ``bodies`` maps each top-level function or
    class (and ``MODULE``, the top-level statements outside them) to its third-party imports,
    the names it references and the langadapt names it imports inside itself."""

    def __init__(self, path: Path):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        self.bound = {}  # name bound by a top-level langadapt import -> (module, attribute)
        self.bodies = {MODULE: [node for node in tree.body if not isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]}
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                self.bodies[node.name] = [node]
        for node in self.bodies[MODULE]:
            self.bound.update(_langadapt_bindings(node))

    def reached_from(self, body: str):
        """(third-party names, referenced names, langadapt (module, attribute) pairs)."""
        outside, names, local = set(), set(), set()
        for statement in self.bodies.get(body, []):
            for node in ast.walk(statement):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    if isinstance(node, ast.ImportFrom) and (node.level or not node.module):
                        continue
                    tops = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                            else [node.module])
                    for top in (name.split(".")[0] for name in tops):
                        if top != "langadapt" and top not in sys.stdlib_module_names:
                            outside.add(top)
                    local |= set(_langadapt_bindings(node).values())
                elif isinstance(node, ast.Name):
                    names.add(node.id)
                elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                    names.add(f"{node.value.id}.{node.attr}")
                elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                      and node.func.id == "launch" and node.args
                      and isinstance(node.args[0], ast.Constant)):
                    # launch("sft", ...) runs `python -m langadapt.train.sft` (train/launch.py)
                    local.add((f"langadapt.train.{node.args[0].value}", MODULE))
        return outside, names, local


MODULE = "<module>"


def _langadapt_bindings(node) -> dict[str, tuple[str, str]]:
    """{bound name: (module, attribute or MODULE)} of a langadapt import statement."""
    bound = {}
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name.split(".")[0] == "langadapt":
                bound[alias.asname or alias.name] = (alias.name, MODULE)
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
            and node.module.split(".")[0] == "langadapt":
        for alias in node.names:
            submodule = f"{node.module}.{alias.name}"
            target = (submodule, MODULE) if _module_path(submodule) else (node.module, alias.name)
            bound[alias.asname or alias.name] = target
    return bound


@cache
def _parsed(module: str) -> _Module | None:
    path = _module_path(module)
    return _Module(path) if path else None


def third_party_imports(script: Path) -> set[str]:
    """Top-level third-party modules that running ``script`` can import: its own imports, and in
    the langadapt modules it reaches, the top-level imports of each module and the imports
    inside each function or class it references (following references within a module and
    through imports between modules)."""
    modules = {"__script__": _Module(script)}
    todo, seen, outside = [("__script__", MODULE)], set(), set()
    todo += [("__script__", body) for body in modules["__script__"].bodies]  # all of it runs
    while todo:
        module, body = todo.pop()
        if (module, body) in seen:
            continue
        seen.add((module, body))
        parsed = modules.get(module) or _parsed(module)
        if parsed is None:
            continue
        found, names, local = parsed.reached_from(body)
        outside |= found
        if module != "__script__":
            todo += [(package, MODULE) for package in _package_modules(module)]
        for name in names:
            head, _, attr = name.partition(".")
            if name in parsed.bodies:
                todo.append((module, name))
            elif head in parsed.bound:
                target, what = parsed.bound[head]
                todo.append((target, MODULE))
                if what != MODULE:
                    todo.append((target, what))
                elif attr:
                    todo.append((target, attr))
        for target, what in local:
            todo += [(target, MODULE), (target, what)]
    return outside


def _requirement_closure(names: set[str]) -> set[str]:
    """``names`` and every distribution they require (installed metadata, extras left out)."""
    closure, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in closure:
            continue
        closure.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for requirement in requires:
            if "extra ==" not in requirement:
                todo.append(_normal(re.match(r"[A-Za-z0-9_.-]+", requirement).group(0)))
    return closure


def env_distributions(env_file: str) -> set[str]:
    env = yaml.safe_load((ROOT / "envs" / env_file).read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return {_normal(re.match(r"[A-Za-z0-9_.-]+", line).group(0)) for line in pip}


def missing_packages(env_file: str, script: str) -> dict[str, list[str]]:
    """{import name: its distributions} the script imports but the env does not install."""
    providers = importlib.metadata.packages_distributions()
    installed = _requirement_closure(env_distributions(env_file))
    missing = {}
    for module in sorted(third_party_imports(SCRIPTS / script)):
        if module == "snakemake" or module in OPTIONAL:  # snakemake: the injected object
            continue
        distributions = sorted({_normal(d) for d in providers.get(module, [module])})
        if not installed & set(distributions):
            missing[module] = distributions
    return missing


def test_the_static_reading_finds_the_imports_of_library_modules():
    # scripts/sft.py imports no third-party package itself; its library modules import trl
    assert "trl" in third_party_imports(SCRIPTS / "sft.py")
    assert "matplotlib" in third_party_imports(SCRIPTS / "paper_loss_curves.py")
    assert rule_envs()["paper_loss_curves"] == ("paper.yaml", "paper_loss_curves.py")
    # and a lacking env is reported: training code in the paper env
    assert {"torch", "trl", "peft"} <= set(missing_packages("paper.yaml", "sft.py"))


@pytest.mark.parametrize("rule", sorted(rule_envs()))
def test_rule_env_installs_what_its_script_imports(rule):
    env_file, script = rule_envs()[rule]
    missing = missing_packages(env_file, script)
    assert not missing, f"envs/{env_file} (rule {rule}, scripts/{script}) lacks {missing}"
