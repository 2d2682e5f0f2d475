"""Scripts that outlast any CPU budget inside one builtin call (script isolation tests)."""

from __future__ import annotations

# Each is a single builtin call (or one C-level operation) that takes far longer than
# any budget and never returns to the evaluator's step checks.
_COLLIDING = "k = 2 ** 9000\np = 2 ** 61 - 1\nks = [k + p * i for i in range(9000)]\n"
# 9,000 integers with equal hashes (all congruent modulo 2**61 - 1): O(n²) compares
ONE_CALL_BLOW_UPS = [
    _COLLIDING + "n = len(set(ks))",
    _COLLIDING + "n = len(dict(zip(ks, ks)))",
]


# the same as one expression
HOSTILE = "len(set([k + p * i for k in [2 ** 9000] for p in [2 ** 61 - 1] for i in range(9000)]))"
