"""Running one case's workflow: deterministic, serializable, replayable."""
