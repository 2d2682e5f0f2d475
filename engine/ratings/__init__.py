"""好差评: the resident's rating by a one-time link (``links``), ratings entered from paper
or the rating pad, and appeals (``service``); see docs/ratings.md."""

from __future__ import annotations

from engine.ratings.links import CLOSED, NOT_FOUND, RatingClosed, RatingLinks, RatingSubject
from engine.ratings.service import (
    BAD,
    ENTERED_CHANNELS,
    LINK,
    SCORES,
    AppealView,
    CaseRatings,
    RatingService,
    RatingView,
    ratings_of,
)

__all__ = [
    "BAD",
    "CLOSED",
    "ENTERED_CHANNELS",
    "LINK",
    "NOT_FOUND",
    "SCORES",
    "AppealView",
    "CaseRatings",
    "RatingClosed",
    "RatingLinks",
    "RatingService",
    "RatingSubject",
    "RatingView",
    "ratings_of",
]
