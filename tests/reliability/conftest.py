"""The reliability summary: tests per category and the cases they tried, printed after the run.

Set GRADWALK_RELIABILITY_REPORT=path to also write the summary there as Markdown
(this is how docs/reliability.md gets its numbers).
"""

import os
import time

from tests.reliability import tally

# test file -> category shown in the summary
CATEGORIES = {
    "test_fuzz_torch.py": "fuzz: random graphs vs PyTorch",
    "test_fuzz_tape.py": "fuzz: numba tape vs Value path",
    "test_features.py": "anomaly mode, hooks, grad()",
    "test_entry_autograd.py": "bad input: autograd",
    "test_entry_nn.py": "bad input: nn",
    "test_entry_viz.py": "bad input: viz",
    "test_model_files.py": "model files",
    "test_scale.py": "scale",
    "test_engine_contracts.py": "engine: exact accumulation, checked orders, hooks, labels",
    "test_training_contracts.py": "training: no_grad, hooks, losses and labels on both backends",
    "test_inputs_and_files.py": "inputs and files: complex, huge, traced models, save/load",
}
_OUTCOMES = {}  # category -> {passed, bugs, failed, skipped}
_START = time.time()


def _category(nodeid: str):
    name = nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
    return CATEGORIES.get(name) if "reliability" in nodeid else None


def pytest_runtest_logreport(report):
    category = _category(report.nodeid)
    if category is None:
        return
    counts = _OUTCOMES.setdefault(category, dict(passed=0, bugs=0, failed=0, skipped=0))
    if report.when == "call" and report.passed and not hasattr(report, "wasxfail"):
        counts["passed"] += 1
    elif hasattr(report, "wasxfail") and report.skipped:
        counts["bugs"] += 1
    elif report.failed:
        counts["failed"] += 1
    elif report.skipped and report.when in ("setup", "call"):
        counts["skipped"] += 1


def summary_lines(markdown: bool = False) -> list:
    """The summary as text lines (Markdown tables when `markdown`)."""
    if markdown:
        row = lambda *cells: "| " + " | ".join(str(c) for c in cells) + " |"  # noqa: E731
    else:
        row = lambda name, *cells: f"{name:<76}" + "".join(f"{c:>10}" for c in cells)  # noqa: E731
    lines = [row("tests by category", "passed", "xfail=bug", "failed", "skipped")]
    if markdown:
        lines.append("|---|---:|---:|---:|---:|")
    for category in CATEGORIES.values():
        if category in _OUTCOMES:
            c = _OUTCOMES[category]
            lines.append(row(category, c["passed"], c["bugs"], c["failed"], c["skipped"]))
    lines += ["", row("cases tried inside the tests", "tried", "held", "known bug")]
    if markdown:
        lines.append("|---|---:|---:|---:|")
    for category, kinds in tally.CASES.items():
        if not markdown:
            lines.append(category)
        for kind, (tried, held, bugs) in kinds.items():
            lines.append(row(f"{category}: {kind}" if markdown else f"  {kind}"[:76], tried, held, bugs))
    if tally.METRICS:
        lines.append("")
        if markdown:
            lines += ["| measurement (reported, never asserted) | value |", "|---|---:|"]
        else:
            lines.append("measurements (reported, never asserted)")
        for name, (value, unit) in tally.METRICS.items():
            text = f"{value:,.1f} {unit}".strip() if isinstance(value, float) else f"{value} {unit}".strip()
            lines.append(f"| {name} | {text} |" if markdown else f"  {name:<74}{text:>30}")
    return lines


def pytest_terminal_summary(terminalreporter):
    if not _OUTCOMES:
        return
    terminalreporter.section("gradwalk reliability summary")
    for line in summary_lines():
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"(session wall time {time.time() - _START:.0f} s; reported, never asserted)")
    path = os.environ.get("GRADWALK_RELIABILITY_REPORT")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(summary_lines(markdown=True)) + "\n")
