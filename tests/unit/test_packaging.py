"""The wheel ships everything, found in one place; engine/ and processes/ read no environment.

These tests build nothing: they check setup.cfg against the tree (every package found,
every data file matched by a package-data pattern). `.ci/run` builds the wheel, installs
it into a clean virtualenv and runs ``daiban lint``, ``demo`` and ``serve`` from there.
"""

from __future__ import annotations

import ast
import configparser
import fnmatch
from pathlib import Path

from processes import resources
from tests.support.paths import ROOT

PACKAGES = ("engine", "processes", "webapi")
# Folders of Python files that are data, not packages: Alembic reads them as files.
DATA_CODE = {Path("engine/store/migrations"), Path("engine/store/migrations/versions")}


def setup_cfg() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg", encoding="utf-8")
    return parser


def shipped_files() -> list[Path]:
    """Every file of the three packages as the tree has it (caches and bytecode aside)."""
    return sorted(
        path.relative_to(ROOT)
        for package in PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )


def package_data() -> dict[str, list[str]]:
    section = setup_cfg()["options.package_data"]
    return {
        package: [pattern.strip() for pattern in patterns.split(",") if pattern.strip()]
        for package, patterns in section.items()
    }


def test_every_folder_of_code_is_a_package() -> None:
    """A folder without ``__init__.py`` is left out of the wheel (engine.definitions was)."""
    folders = {path.parent for path in shipped_files() if path.suffix == ".py"}
    missing = sorted(
        str(folder)
        for folder in folders - DATA_CODE
        if not (ROOT / folder / "__init__.py").is_file()
    )
    assert missing == [], f"add an __init__.py to {missing}"


def test_setup_finds_the_three_packages() -> None:
    options = setup_cfg()
    assert options["options"]["packages"].strip() == "find:"
    include = options["options.packages.find"]["include"].split()
    assert include == [name for package in PACKAGES for name in (package, f"{package}.*")]


def matches(path: Path, pattern: str) -> bool:
    """``path`` matches the glob ``pattern`` as setuptools reads it (``*`` stays in a folder)."""
    parts = Path(pattern).parts
    return len(path.parts) == len(parts) and all(
        fnmatch.fnmatchcase(part, glob) for part, glob in zip(path.parts, parts, strict=True)
    )


def test_every_data_file_is_package_data() -> None:
    """Each file that is not a module of a package matches a pattern of its package."""
    patterns = package_data()
    owners = sorted(patterns, key=len, reverse=True)  # the innermost package first
    unmatched = []
    for path in shipped_files():
        if path.suffix == ".py" and path.parent not in DATA_CODE:
            continue  # a module: shipped with its package
        folder = next(
            (Path(*p.split(".")) for p in owners if path.is_relative_to(Path(*p.split(".")))),
            None,
        )
        package = ".".join(folder.parts) if folder else ""
        if folder is None or not any(
            matches(path.relative_to(folder), pattern) for pattern in patterns[package]
        ):
            unmatched.append(str(path))
    assert unmatched == [], f"not in [options.package_data] of setup.cfg: {unmatched}"


def test_the_data_is_found_next_to_the_code() -> None:
    """The defaults of every data setting are package data of ``processes``."""
    assert {p.name for p in resources.BPMN_DIR.iterdir() if p.is_dir()} >= {
        "common",
        "items",
        "sample",
    }
    assert sorted(resources.CATALOGUE_DIR.glob("*.yaml"))
    for path in (resources.CATALOGUE_SCHEMA, resources.DEMO_ORG_FILE, resources.HOLIDAY_FILE):
        assert path.is_file()
    for path in (
        resources.BPMN_DIR,
        resources.CATALOGUE_DIR,
        resources.CATALOGUE_SCHEMA,
        resources.DEMO_ORG_FILE,
        resources.HOLIDAY_FILE,
    ):
        assert path.is_relative_to(ROOT / "processes")


ENVIRONMENT = {"environ", "environb", "getenv"}


def _reads_environment(tree: ast.AST) -> list[int]:
    """Lines that touch ``os.environ``/``os.getenv`` (attribute or import)."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if (isinstance(node, ast.Attribute) and node.attr in ENVIRONMENT)
        or (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(alias.name in ENVIRONMENT for alias in node.names)
        )
    ]


def test_engine_and_processes_never_read_the_environment() -> None:
    """Settings are read by webapi.settings and handed to the engine as values."""
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in ("engine", "processes")
        for path in sorted((ROOT / package).rglob("*.py"))
        for line in _reads_environment(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert found == []


def test_the_environment_check_sees_every_form() -> None:
    for source in (
        "import os\nos.environ.get('X')",
        "import os\nos.getenv('X')",
        "from os import environ",
        "from os import getenv as g",
    ):
        assert _reads_environment(ast.parse(source)), source
