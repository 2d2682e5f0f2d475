"""The console's files: served by the app itself under a strict policy (no inline script
or style, no eval), every import local, the vendored libraries byte-equal to the pinned
npm packages and shipped with their licences."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from engine import Engine
from tests.support.browser import need
from tests.support.paths import ROOT
from webapi import create_app

STATIC = ROOT / "webapi" / "static" / "console"
VENDOR = STATIC / "vendor"
PINNED = ROOT / "tools" / "console"
MODULES = PINNED / "node_modules"
# vendored file -> (npm package, file inside it, licence files shipped beside it)
VENDORED = {
    "htm-preact.module.js": (
        "htm",
        "preact/standalone.module.js",
        ["LICENSE-htm", "LICENSE-preact"],
    ),
    "chart.umd.min.js": ("chart.js", "dist/chart.umd.min.js", ["LICENSE-chart.js.md"]),
}
OWN_SOURCES = sorted(
    p for p in STATIC.rglob("*") if p.suffix in {".js", ".html", ".css"} and VENDOR not in p.parents
)


@pytest.fixture
def client(engine: Engine) -> FlaskClient:
    return create_app({"ENGINE": engine, "SECRET_KEY": "test", "TESTING": True}).test_client()


def test_vendored_libraries_are_the_pinned_packages_with_their_licences() -> None:
    pinned = json.loads((PINNED / "package.json").read_text())["dependencies"]
    versions = (VENDOR / "VERSION").read_text()
    for name, (package, _inside, licences) in VENDORED.items():
        assert f"{package} {pinned[package]}" in versions, name
        for licence in licences:
            assert (VENDOR / licence).stat().st_size > 500, licence
    need((MODULES / "htm").is_dir(), "run: npm ci --prefix tools/console")
    for name, (package, inside, _) in VENDORED.items():
        assert (VENDOR / name).read_bytes() == (MODULES / package / inside).read_bytes(), name
        installed = json.loads((MODULES / package / "package.json").read_text())["version"]
        assert installed == pinned[package], package


def test_the_page_is_served_with_a_strict_policy_and_only_local_assets(
    client: FlaskClient,
) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    policy = page.headers["Content-Security-Policy"]
    directives = dict(
        [*part.split(" ", 1), ""][:2] for part in (p.strip() for p in policy.split(";")) if part
    )
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe" not in policy and "frame-ancestors 'none'" in policy
    assert page.headers["X-Frame-Options"] == "DENY"
    text = page.get_data(as_text=True)
    page.close()
    assert not re.search(r"<script(?![^>]*\bsrc=)", text), "an inline script"
    assert "<style" not in text and " style=" not in text
    references = re.findall(r'(?:src|href)="([^"]+)"', text)
    assert references and all(r.startswith("/console/") for r in references)
    for reference in references:
        asset = client.get(reference)
        assert asset.status_code == 200, reference
        assert asset.headers.get("ETag"), reference  # revalidated: a release is seen at once
        asset.close()
    for missing in ("/console/js/nothing.js", "/console/../console.py"):
        answer = client.get(missing)
        assert answer.status_code == 404, missing
        answer.close()


def _imports(source: Path) -> list[str]:
    text = source.read_text(encoding="utf-8")
    found = re.findall(r'^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"', text, re.M)
    found += re.findall(r'^\s*import\s+"([^"]+)"', text, re.M)
    return found


def test_every_module_import_is_a_file_of_the_console() -> None:
    scripts = [p for p in OWN_SOURCES if p.suffix == ".js"]
    assert len(scripts) >= 5
    for script in scripts:
        for target in _imports(script):
            assert target.startswith("."), (
                f"{script.name}: bare import {target!r} needs an import map"
            )
            assert (script.parent / target).resolve().is_file(), f"{script.name}: {target}"
    # Pages are loaded by name from the router's table: each named module exists.
    app = (STATIC / "js" / "app.js").read_text(encoding="utf-8")
    for module in re.findall(r'module: "([\w-]+)"', app):
        assert (STATIC / "js" / "pages" / f"{module}.js").is_file(), module


def test_no_source_needs_an_inline_style_or_eval() -> None:
    """What the policy would block at run time, found in the sources: a style attribute or
    property set from markup, inline handlers, eval and its relatives, raw HTML."""
    forbidden = [
        (r"\sstyle=", "a style attribute (blocked by style-src 'self'; use a class)"),
        (r"\son[a-z]+=\"", "an inline event handler"),
        (r"\beval\(|new Function\(", "eval"),
        (r"\.innerHTML\s*=|dangerouslySetInnerHTML|insertAdjacentHTML", "raw HTML"),
        (r"setTimeout\(\s*[\"']", "a string timer"),
    ]
    for source in OWN_SOURCES:
        text = source.read_text(encoding="utf-8")
        for pattern, what in forbidden:
            match = re.search(pattern, text)
            assert match is None, f"{source.relative_to(ROOT)}: {what}: {match.group(0)!r}"
