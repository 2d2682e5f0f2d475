"""The licences of every runtime dependency are on the allow-list (tests/support/licences.py)."""

from __future__ import annotations

from email.parser import HeaderParser

import pytest

from tests.support.licences import (
    EXCEPTIONS,
    RUNTIME_EXTRAS,
    TOOLING_EXTRAS,
    Package,
    UnclearLicence,
    allowed,
    licence_of,
    problems,
    runtime_packages,
    setup_requirements,
)

# lunardate 0.3.0's METADATA, as PyPI ships it (the head that matters here).
LUNARDATE = HeaderParser().parsestr(
    "Metadata-Version: 2.1\n"
    "Name: lunardate\n"
    "Version: 0.3.0\n"
    "Summary: A Chinese Calendar Library in Pure Python\n"
    "License: GPL-3.0-or-later\n"
    "Classifier: Programming Language :: Python :: 3\n"
)


def test_runtime_dependencies_have_allowed_licences() -> None:
    packages = runtime_packages()
    assert problems(packages.values()) == []
    # The walk reaches the install requirements, the runtime extras and their own
    # requirements, and leaves out what only the tests and the linters use.
    assert {"spiffworkflow", "holidays", "python-dateutil", "flask", "werkzeug"} <= set(packages)
    assert {"psycopg", "psycopg-binary", "gunicorn", "boto3", "botocore"} <= set(packages)
    assert not {"pytest", "pm4py", "hypothesis", "mypy", "moto"} & set(packages)
    assert not {"lunardate", "chinesecalendar"} & set(packages)


def test_every_extra_is_runtime_or_tooling() -> None:
    # A new extra must be put on one side, so that it is checked or knowingly left out.
    assert set(setup_requirements()) == {"", *RUNTIME_EXTRAS, *TOOLING_EXTRAS}


def test_exceptions_name_runtime_dependencies() -> None:
    # No stale entry: each exception is a dependency and its licence is allowed.
    packages = runtime_packages()
    for name, (expression, reason) in EXCEPTIONS.items():
        assert name in packages, name
        assert allowed(expression), name
        assert reason


def test_a_gpl_dependency_fails() -> None:
    lunardate = Package.from_metadata(LUNARDATE)
    assert lunardate == Package("lunardate", "0.3.0", license="GPL-3.0-or-later")
    found = problems([*runtime_packages().values(), lunardate])
    assert found == ["lunardate 0.3.0: GPL-3.0-or-later is not on the allow-list"]


@pytest.mark.parametrize(
    ("package", "expression", "ok"),
    [
        (Package("a", "1", license_expression="MIT"), "MIT", True),
        (Package("a", "1", license_expression="Apache-2.0 OR GPL-2.0-only"), None, True),
        (Package("a", "1", license_expression="MIT AND GPL-2.0-only"), None, False),
        (Package("a", "1", license_expression="(MIT OR GPL-3.0) AND AGPL-3.0-only"), None, False),
        (
            Package("a", "1", license_expression="GPL-2.0-only WITH Classpath-exception-2.0"),
            None,
            False,
        ),
        (Package("a", "1", license_expression="Apache-2.0 WITH LLVM-exception"), None, True),
        (Package("a", "1", license_expression="LicenseRef-Proprietary"), None, False),
        (Package("a", "1", license_expression="MIT AND"), None, False),
        (Package("a", "1", license_expression="(MIT"), None, False),
        (
            Package("a", "1", license="MIT License", classifiers=("OSI Approved :: MIT License",)),
            "MIT",
            True,
        ),
        (
            Package(
                "a",
                "1",
                classifiers=("OSI Approved :: GNU General Public License v3 or later (GPLv3+)",),
            ),
            "GPL-3.0-or-later",
            False,
        ),
        # A classifier that says MIT does not hide a License field that says GPL.
        (
            Package("a", "1", license="GPL-3.0-only", classifiers=("OSI Approved :: MIT License",)),
            "MIT AND GPL-3.0-only",
            False,
        ),
        (
            Package(
                "a",
                "1",
                classifiers=("OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",),
            ),
            "LGPL-3.0-only",
            True,
        ),
        (Package("a", "1", license="PSFL"), "PSF-2.0", True),
        (Package("a", "1", license="lGPLv3"), "lGPLv3", False),
    ],
)
def test_licence_expressions(package: Package, expression: str | None, ok: bool) -> None:
    if expression is not None:
        assert licence_of(package) == expression
    assert (problems([package]) == []) is ok


@pytest.mark.parametrize(
    "package",
    [
        Package("a", "1"),
        Package("a", "1", license="Dual License"),
        Package("a", "1", license="This Font Software is licensed under the SIL Open Font License"),
        Package("a", "1", classifiers=("Other/Proprietary License",)),
    ],
)
def test_unclear_metadata_fails(package: Package) -> None:
    with pytest.raises(UnclearLicence):
        licence_of(package)
    [line] = problems([package])
    assert line.startswith("a 1: licence unclear (") and "EXCEPTIONS" in line


def test_an_exception_decides() -> None:
    package = Package("a", "1", license="Dual License")
    assert problems([package], exceptions={"a": ("Apache-2.0 AND BSD-3-Clause", "read")}) == []
    # An exception cannot allow what the allow-list refuses.
    refused = problems([package], exceptions={"a": ("GPL-3.0-only", "read")})
    assert refused == ["a 1: GPL-3.0-only is not on the allow-list"]
