"""Documents (文书) printed from a case: which it has, their templates, their PDF, and
their issue recorded in the history (``docs/documents.md``)."""

from __future__ import annotations

from engine.documents.kinds import BY_CODE, KINDS, Kind
from engine.documents.pdf import TemplateError
from engine.documents.service import EVENT, Document, DocumentService, Entry, Issued
from engine.documents.templates import Templates

__all__ = [
    "BY_CODE",
    "EVENT",
    "KINDS",
    "Document",
    "DocumentService",
    "Entry",
    "Issued",
    "Kind",
    "TemplateError",
    "Templates",
]
