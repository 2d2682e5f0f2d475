"""The document templates: HTML files rendered with Jinja2, which a county edits without
touching code.

The shipped templates are ``processes/documents/<kind>.html`` (one per kind, all
extending ``_base.html``); a county's own folder (``DAIBAN_DOCUMENTS_DIR``) comes first,
file by file, so it holds only the files it changes. Templates run in Jinja2's sandbox
(no attribute escapes, no access to Python internals) with autoescaping on: an
applicant's name or a refusal reason with ``<`` in it is printed, never read as markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, TemplateError, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from engine.documents.pdf import TemplateError as DocumentTemplateError


def _printed(value: Any) -> Any:
    """A value as a template prints it: None as nothing, and a text's spaces as no-break
    spaces, since fpdf2 breaks lines only at spaces when a line has any, which in Chinese
    text would cut a line short before an address or a number."""
    if value is None:
        return ""
    return value.replace(" ", "\u00a0") if isinstance(value, str) else value


class Templates:
    def __init__(self, shipped: Path, county: Path | None = None) -> None:
        folders = [county, shipped] if county is not None else [shipped]
        self.folders = tuple(folders)
        self.environment = SandboxedEnvironment(
            loader=ChoiceLoader([FileSystemLoader(str(folder)) for folder in folders]),
            autoescape=select_autoescape(enabled_extensions=("html",), default=True),
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=_printed,
        )

    def render(self, name: str, context: dict[str, Any]) -> str:
        try:
            return self.environment.get_template(name).render(context)
        except TemplateError as error:
            raise DocumentTemplateError(f"文书模板“{name}”有误：{error}") from error
