"""The pins live in constraints.txt, the package declares ranges, and the pins agree with both.

pyproject.toml says which versions convbook works with (torch>=2.4,<3, ...), so installing it
next to a reader's torch keeps that torch. constraints.txt pins the exact versions `make` and
environment.yml install, the ones the stored outputs were made with. anywidget is pinned twice:
on PyPI (constraints.txt) and on npm (tools/fetch_assets.py vendors its JavaScript for the
website); the two must be the same release, and so must the one installed here, whose widget
state the stored notebooks carry.
"""
import re
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:          # Python 3.10
    import tomli as tomllib
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def pins(text):
    """{name: version} of the ``name==version`` lines of a constraints file."""
    found = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        specs = list(requirement.specifier)
        if len(specs) != 1 or specs[0].operator != "==":
            raise ValueError(f"constraints.txt: {line!r} is not an exact name==version pin")
        found[requirement.name.lower()] = specs[0].version
    return found


def declared():
    """{name: Requirement} of every dependency pyproject.toml declares, extras included."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    return {Requirement(line).name.lower(): Requirement(line) for line in lines}


def npm_version(name, fetch_assets_source):
    """The version of npm package ``name`` that tools/fetch_assets.py vendors."""
    found = re.findall(rf'"{re.escape(name)}@([^"]+)"', fetch_assets_source)
    if len(found) != 1:
        raise ValueError(f"tools/fetch_assets.py names {name} {len(found)} times, expected once")
    return found[0]


CONSTRAINTS = pins((ROOT / "constraints.txt").read_text())
FETCH_ASSETS = (ROOT / "tools" / "fetch_assets.py").read_text()


def test_the_exact_pins_are_in_constraints_not_in_the_package():
    exact = {name: str(req.specifier) for name, req in declared().items()
             if any(spec.operator in ("==", "===") for spec in req.specifier)}
    assert not exact, f"pyproject.toml pins {exact}: declare a range, pin in constraints.txt"
    assert {"torch", "anywidget", "jupyter-book"} <= set(CONSTRAINTS)


@pytest.mark.parametrize("name", sorted(CONSTRAINTS))
def test_each_pin_is_inside_the_declared_range(name):
    requirement = declared().get(name)
    assert requirement is not None, f"constraints.txt pins {name}, which convbook does not use"
    assert Version(CONSTRAINTS[name]) in requirement.specifier, \
        f"constraints.txt pins {name}=={CONSTRAINTS[name]}, outside pyproject's {requirement}"


def test_the_vendored_anywidget_is_the_pinned_one():
    assert npm_version("anywidget", FETCH_ASSETS) == CONSTRAINTS["anywidget"], \
        "tools/fetch_assets.py vendors another anywidget than constraints.txt pins: the " \
        "website would run other JavaScript than JupyterLab"


def test_the_installed_pins_are_the_constrained_ones():
    installed = {name: version(name) for name in CONSTRAINTS}
    installed["torch"] = installed["torch"].split("+")[0]      # 2.13.0+cpu
    assert installed == CONSTRAINTS, "this environment is not the one constraints.txt " \
        "describes: run `make venv` (it installs with -c constraints.txt)"


def test_environment_yml_installs_with_the_constraints():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    assert "-c constraints.txt" in pip
    loose = [line for line in pip if not line.startswith("-")
             and any(op in line for op in "=<>~")
             and Requirement(line).name.lower() in CONSTRAINTS]
    assert not loose, f"environment.yml pins {loose} itself: constraints.txt does"


def test_a_mismatch_is_caught():
    """The checks above must be able to fail: a different npm version, a non-exact pin."""
    other = f'"anywidget@{CONSTRAINTS["anywidget"]}-rc1",'
    assert npm_version("anywidget", other) != CONSTRAINTS["anywidget"]
    with pytest.raises(ValueError, match="exact"):
        pins("torch>=2.4\n")


def test_the_readme_names_the_tested_versions():
    """The README says which versions the tests ran on: the pinned ones, not stale ones."""
    readme = (ROOT / "README.md").read_text()
    missing = {name: pin for name, pin in CONSTRAINTS.items() if f"{name} {pin}" not in readme}
    assert not missing, f"README.md does not say the tests ran on {missing}"
    torch_range = str(declared()["torch"].specifier)              # "<3,>=2.4"
    bounds = sorted(torch_range.split(","), key=lambda b: b[0] != ">")
    stated = "torch " + ", ".join(b.replace(">=", ">= ").replace("<", "< ") for b in bounds)
    assert stated in readme, f"README.md does not state the declared range {stated!r}"
