"""The shipped item catalogue and demo organisation, read once per test process.

Both are read-only values; reading the catalogue (17 YAML files checked against their
JSON Schema) takes a third of a second, which adds up over hundreds of engines and apps.
The tests of the loaders themselves still call ``load_catalogue``/``load_org``.
"""

from __future__ import annotations

from functools import cache

from processes.catalogue import Catalogue, load_catalogue
from processes.org import Organization, load_org


@cache
def shipped_catalogue() -> Catalogue:
    return load_catalogue()


@cache
def demo_org() -> Organization:
    return load_org()
