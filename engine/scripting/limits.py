"""The budgets a script run may use: steps, wall-clock time, sizes and nesting."""

from __future__ import annotations

from dataclasses import dataclass

from engine.scripting.policy import DEFAULT_MAX_DEPTH, DEFAULT_MAX_SOURCE


@dataclass(frozen=True)
class Limits:
    max_steps: int = 100_000  # AST nodes evaluated, statements and loop turns
    # A wall-clock backstop only: the step limit is what normally stops a script, and it is
    # deterministic, so a replay on a slower machine reaches the same outcome.
    max_seconds: float = 2.0  # wall-clock deadline of one run
    max_string: int = 100_000  # characters in any str (bytes in any bytes)
    max_collection: int = 10_000  # elements in any list, tuple, dict, set or range
    max_power: int = 10_000  # largest exponent of **
    max_shift: int = 10_000  # largest shift of << and >>
    max_int_bits: int = 10_000  # bits in any int (about 3000 decimal digits)
    max_source: int = DEFAULT_MAX_SOURCE  # characters of script source
    max_depth: int = DEFAULT_MAX_DEPTH  # nesting of the syntax tree and of data
    max_allocation: int = 2_000_000  # elements and characters created over one run
    max_data_size: int = 500_000  # one value's size counted through all its nesting
