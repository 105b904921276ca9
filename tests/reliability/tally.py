"""Counters shared by the reliability tests, printed at the end of the session by conftest.py.

A test records the cases it tried inside itself (Hypothesis examples, bit flips,
kills of a writer, ...) with `record`; pass/xfail counts per test come from pytest.
"""

from collections import defaultdict

# category -> case kind -> [tried, held, bugs]: "held" means the library did the right thing,
# "bugs" counts cases that hit a known bug (pinned by an xfail test elsewhere).
CASES = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
# name -> (value, unit): measurements reported, never asserted on (peak RSS, sizes).
METRICS = {}


def record(category: str, kind: str, tried: int = 1, held: int = None, bugs: int = 0) -> None:
    """Add `tried` cases of `kind` under `category`; `held` defaults to all but the `bugs`."""
    entry = CASES[category][kind]
    entry[0] += tried
    entry[1] += tried - bugs if held is None else held
    entry[2] += bugs


def metric(name: str, value, unit: str = "") -> None:
    """Remember one measurement for the summary."""
    METRICS[name] = (value, unit)
