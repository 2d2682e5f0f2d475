"""The licences of daiban's runtime dependencies, checked against an allow-list.

The runtime dependencies are ``install_requires`` of setup.cfg and the extras an
installation uses (``RUNTIME_EXTRAS``), followed through each installed distribution's
own requirements; the extras for working on daiban (``TOOLING_EXTRAS``: tests, linters)
are not shipped and are left out. A distribution's licence is, in order: an entry of
``EXCEPTIONS`` (metadata that is unclear, read from the licence file by hand), its
``License-Expression`` (SPDX), else its licence classifiers together with its ``License``
field when that is a known short name. Every licence of an ``AND`` must be allowed, one of
an ``OR`` suffices.

tests/unit/test_licences.py runs the check (CI runs the suite);
``python -m tests.support.licences`` prints every runtime dependency with its licence.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.message import Message
from importlib.metadata import PackageMetadata, PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.paths import ROOT

SETUP_CFG = ROOT / "setup.cfg"
# Extras that are part of an installation (a server on PostgreSQL, files in S3) ...
RUNTIME_EXTRAS = ("postgres", "server", "s3")
# ... and extras for working on daiban, never installed with it.
TOOLING_EXTRAS = ("test", "dev")

# SPDX identifiers a runtime dependency may carry, with why. daiban is Apache-2.0 and is
# distributed as a wheel that installs its dependencies separately, unmodified.
_PERMISSIVE = "permissive: keep the notice"
ALLOWED: Mapping[str, str] = {
    "MIT": _PERMISSIVE,
    "MIT-CMU": _PERMISSIVE + " (the HPND variant pillow declares)",
    "HPND": _PERMISSIVE,
    "BSD-2-Clause": _PERMISSIVE,
    "BSD-3-Clause": _PERMISSIVE,
    "BSD": _PERMISSIVE + " (the classifier 'BSD License': 2- or 3-clause)",
    "0BSD": _PERMISSIVE,
    "Apache-2.0": _PERMISSIVE + ", and daiban's own licence",
    "ISC": _PERMISSIVE,
    "PSF-2.0": _PERMISSIVE,
    "Python-2.0": _PERMISSIVE,
    "Zlib": _PERMISSIVE,
    "Unlicense": "public domain dedication",
    "OFL-1.1": "fonts (the documents' Noto fonts): may be bundled, embedded and subset "
    "with any software; only selling the fonts alone is excluded",
    "MPL-2.0": "file-level copyleft: binds changes to the library's own files, which "
    "daiban does not change",
    # Weak copyleft: SpiffWorkflow, psycopg and fpdf2. daiban imports them as separately
    # installed, unmodified libraries that a user can replace with another version (LGPL
    # §4), which is what the LGPL permits for a differently licensed program; a change to
    # one of them would have to be published under the LGPL.
    "LGPL-2.1-only": "weak copyleft, used unmodified as a separate library",
    "LGPL-2.1-or-later": "weak copyleft, used unmodified as a separate library",
    "LGPL-3.0-only": "weak copyleft, used unmodified as a separate library",
    "LGPL-3.0-or-later": "weak copyleft, used unmodified as a separate library",
    "LGPL": "weak copyleft, used unmodified as a separate library (version not stated)",
}
# Everything else fails, in particular GPL-* and AGPL-* (their copyleft would extend to
# daiban as a whole) and any licence not recognised.

# Distributions whose metadata does not say their licence clearly: distribution ->
# (the SPDX expression read from its licence file, why the metadata is not enough).
EXCEPTIONS: Mapping[str, tuple[str, str]] = {
    "python-dateutil": (
        "Apache-2.0 AND BSD-3-Clause",
        "License says 'Dual License'; its LICENSE: Apache-2.0 for contributions after "
        "2017-12-01, BSD-3-Clause for the code before",
    ),
    "spiffworkflow": (
        "LGPL-3.0-only",
        "License says 'lGPLv3', the classifier names no version; COPYING is the GNU "
        "LGPL version 3 (no 'or later' stated)",
    ),
}

# Trove classifiers (after "License :: ") -> SPDX identifier. GPL ones are listed so
# that they are recognised, and refused, rather than reported as unclear.
CLASSIFIERS: Mapping[str, str] = {
    "OSI Approved :: MIT License": "MIT",
    "OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "OSI Approved :: BSD License": "BSD",
    "OSI Approved :: Apache Software License": "Apache-2.0",
    "OSI Approved :: ISC License (ISCL)": "ISC",
    "OSI Approved :: Python Software Foundation License": "PSF-2.0",
    "OSI Approved :: Historical Permission Notice and Disclaimer (HPND)": "HPND",
    "OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "OSI Approved :: zlib/libpng License": "Zlib",
    "OSI Approved :: SIL Open Font License 1.1 (OFL-1.1)": "OFL-1.1",
    "OSI Approved :: GNU Library or Lesser General Public License (LGPL)": "LGPL",
    "OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.1-only",
    "OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.1-or-later",
    "OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "OSI Approved :: GNU General Public License (GPL)": "GPL",
    "OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "OSI Approved :: GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "OSI Approved :: GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
    "OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
}
# Short ``License`` field values seen in the wild that are not SPDX identifiers.
_LICENSE_FIELD_NAMES: Mapping[str, str] = {
    "MIT License": "MIT",
    "Apache License 2.0": "Apache-2.0",
    "Apache 2.0": "Apache-2.0",
    "PSFL": "PSF-2.0",
    "BSD": "BSD",
    "GPL": "GPL",
    "GPLv3": "GPL-3.0-only",
    "GPLv3+": "GPL-3.0-or-later",
}
_SPDX_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")
_TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z0-9][A-Za-z0-9.+:-]*)")


@dataclass(frozen=True)
class Package:
    """One installed distribution's licence metadata."""

    name: str  # canonical (PEP 503)
    version: str
    license_expression: str | None = None
    license: str | None = None
    classifiers: tuple[str, ...] = ()

    @classmethod
    def from_metadata(cls, metadata: PackageMetadata | Message) -> Package:
        return cls(
            name=canonicalize_name(metadata["Name"]),
            version=metadata["Version"],
            license_expression=metadata.get("License-Expression") or None,
            license=(metadata.get("License") or "").strip() or None,
            classifiers=tuple(
                c.removeprefix("License :: ")
                for c in metadata.get_all("Classifier") or []
                if c.startswith("License :: ")
            ),
        )


class UnclearLicence(ValueError):
    """The metadata does not say which licence applies."""


def licence_of(package: Package, exceptions: Mapping[str, tuple[str, str]] = EXCEPTIONS) -> str:
    """The SPDX expression of ``package``'s licence; UnclearLicence if its metadata is unclear."""
    if package.name in exceptions:
        return exceptions[package.name][0]
    if package.license_expression:
        return package.license_expression
    parts: list[str] = []
    for classifier in package.classifiers:
        if classifier not in CLASSIFIERS:
            raise UnclearLicence(f"unknown licence classifier {classifier!r}")
        parts.append(CLASSIFIERS[classifier])
    field = package.license
    if field is not None:
        if field in _LICENSE_FIELD_NAMES:
            parts.append(_LICENSE_FIELD_NAMES[field])
        elif _SPDX_ID.fullmatch(field) and len(field) <= 40:
            parts.append(field)
    if not parts:
        raise UnclearLicence(f"no licence expression or classifier; License: {field!r}")
    unique = list(dict.fromkeys(parts))
    return " AND ".join(f"({p})" if " " in p else p for p in unique)


def allowed(expression: str, allow: Mapping[str, str] = ALLOWED) -> bool:
    """Whether the SPDX ``expression`` (AND, OR, WITH, parentheses) is satisfied by
    licences of ``allow``. An unparseable expression is not allowed."""
    tokens = _TOKEN.findall(expression)
    if "".join(tokens) != re.sub(r"\s+", "", expression):
        return False
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        if position >= len(tokens):
            raise ValueError("expression ends early")
        position += 1
        return tokens[position - 1]

    def atom() -> bool:
        token = take()
        if token == "(":
            value = either()
            if take() != ")":
                raise ValueError("unbalanced parenthesis")
        elif token in {")", "AND", "OR", "WITH"}:
            raise ValueError(f"unexpected {token}")
        else:
            value = token in allow
        if peek() == "WITH":  # an exception only adds permissions to the licence
            take()
            take()
        return value

    def series(operator: str, operand: Callable[[], bool]) -> list[bool]:
        values = [operand()]
        while peek() == operator:
            take()
            values.append(operand())
        return values

    def either() -> bool:  # OR binds looser than AND
        return any(series("OR", lambda: all(series("AND", atom))))

    try:
        result = either()
    except ValueError:
        return False
    return result and position == len(tokens)


def problems(
    packages: Iterable[Package],
    allow: Mapping[str, str] = ALLOWED,
    exceptions: Mapping[str, tuple[str, str]] = EXCEPTIONS,
) -> list[str]:
    """One line per package whose licence is unclear or not on the allow-list."""
    found: list[str] = []
    for package in sorted(packages, key=lambda p: p.name):
        try:
            expression = licence_of(package, exceptions)
        except UnclearLicence as exc:
            found.append(
                f"{package.name} {package.version}: licence unclear ({exc}); read its "
                "licence file and add it to EXCEPTIONS with the reason"
            )
            continue
        if not allowed(expression, allow):
            found.append(f"{package.name} {package.version}: {expression} is not on the allow-list")
    return found


def setup_requirements(setup_cfg: Path = SETUP_CFG) -> dict[str, list[Requirement]]:
    """install_requires ("") and each extra of setup.cfg, as requirements."""
    parser = configparser.ConfigParser()
    parser.read(setup_cfg, encoding="utf-8")

    def parse(text: str) -> list[Requirement]:
        return [Requirement(line) for line in text.strip().splitlines() if line.strip()]

    groups = {"": parse(parser["options"]["install_requires"])}
    for extra, text in parser["options.extras_require"].items():
        groups[extra] = parse(text)
    return groups


def runtime_packages(setup_cfg: Path = SETUP_CFG) -> dict[str, Package]:
    """Every installed distribution daiban needs at run time, by canonical name.

    A requirement that is not installed raises PackageNotFoundError: the check runs in
    the environment the suite runs in, where every runtime extra is installed."""
    groups = setup_requirements(setup_cfg)
    pending = [req for group in ("", *RUNTIME_EXTRAS) for req in groups[group]]
    extras_seen: dict[str, set[str]] = {}
    found: dict[str, Package] = {}
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        extras = set(requirement.extras)
        if name in extras_seen and extras <= extras_seen[name]:
            continue
        extras_seen.setdefault(name, set()).update(extras)
        dist = distribution(name)
        found[name] = Package.from_metadata(dist.metadata)
        environments = [{"extra": extra} for extra in ("", *sorted(extras_seen[name]))]
        for line in dist.requires or []:
            child = Requirement(line)
            if child.marker is None or any(child.marker.evaluate(env) for env in environments):
                pending.append(child)
    return found


def main() -> None:
    try:
        packages = runtime_packages()
    except PackageNotFoundError as exc:
        raise SystemExit(f"not installed: {exc}") from None
    for package in sorted(packages.values(), key=lambda p: p.name):
        try:
            expression = licence_of(package)
        except UnclearLicence as exc:
            expression = f"unclear: {exc}"
        print(f"{package.name:28} {package.version:14} {expression}")
    found = problems(packages.values())
    for line in found:
        print("FAIL", line)
    raise SystemExit(1 if found else 0)


if __name__ == "__main__":
    main()
