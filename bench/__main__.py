"""Run the benchmarks and write bench/report.md: `python -m bench [module ...]`."""

import contextlib
import importlib
import io
import os
import platform
import sys
import tempfile
import time

MODULES = ("engine", "stepper", "nn_step", "tape", "fit_loop", "recording", "compile", "render")


class _Tee(io.TextIOBase):
    def __init__(self, *streams):
        self.streams = streams

    def write(self, text):
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self):
        for stream in self.streams:
            stream.flush()


def main(names):
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        sys.exit(f"unknown benchmark {unknown}; choose from {', '.join(MODULES)}")
    captured = io.StringIO()
    header = (
        f"# gradwalk benchmarks\n\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores\n"
    )
    with contextlib.redirect_stdout(_Tee(sys.stdout, captured)):
        print(header)
        for name in names or MODULES:
            try:
                module = importlib.import_module(f"bench.{name}")
            except ModuleNotFoundError as error:
                print(f"## {name}\n\nskipped: {error}\n")
                continue
            module.main()
            print()
    target = os.path.join(os.path.dirname(__file__), "report.md" if not names else f"report-{'-'.join(names)}.md")
    with tempfile.NamedTemporaryFile("w", dir=os.path.dirname(target), delete=False, suffix=".tmp") as tmp:
        tmp.write(captured.getvalue())
    os.replace(tmp.name, target)
    print(f"report written to {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
