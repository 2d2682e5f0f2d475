"""Script expressions the templates share for an item's time limits."""

from __future__ import annotations


def step_limit(step: str, default: int) -> str:
    """The item's limit for ``step`` in working days (its catalogue ``step_limits``), else
    ``default``: an expression evaluated when the case runs."""
    return f'item["step_limits"].get("{step}", {default})'
