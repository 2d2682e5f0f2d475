"""Settings a database keeps about itself: whether it is a training or demo database,
and how far its clock has been moved forward."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

TRAINING = "training"  # 培训: staff practise on invented cases
DEMO = "demo"  # 演示: a try-out or a presentation
MODES = {TRAINING: "培训", DEMO: "演示"}  # the flags a database can carry, with their names


@dataclass(frozen=True)
class TrainingSetting:
    """The flag of a training or demo database (a production database has none) and the
    offset of its clock: the engine's time there is the system clock plus ``offset_seconds``."""

    mode: str  # TRAINING or DEMO
    offset_seconds: int
    flagged_at: datetime
    flagged_by: str
    advanced_at: datetime | None = None  # the last advance, by the system clock
    advanced_by: str | None = None

    @property
    def mode_name(self) -> str:
        return MODES.get(self.mode, self.mode)
