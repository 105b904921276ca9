"""Diagram render time: Value graphs of 50, 500 and 5,000 nodes, with graphviz-pure and with system dot if present.

Each graph is a random program of add/mul/tanh steps, each step using the one
before it (so the root depends on every node) and a random recent node. Times are
wall clock, best of REPEATS: building the DOT source, then one engine run per
format. PNGs are drawn at viz's default 144 dpi.
"""

import random
import shutil

import viz
from autograd import Value, topological_order
from viz.engine import RenderError, _script_dirs, find_engine

from .timing import best_time

SIZES = (50, 500, 5000)
REPEATS = 3
TIMEOUT = 120.0  # per engine run: a diagram nobody waits for is reported as "> 120 s"


def random_graph(values: int, seed: int = 0) -> Value:
    """A root depending on exactly `values` Values: 8 leaves summed, then add/mul/tanh steps."""
    rng = random.Random(seed)
    nodes = [Value(rng.uniform(-1.0, 1.0), label=f"x{i}") for i in range(8)]
    for leaf in nodes[1:8]:
        nodes.append(nodes[-1 if len(nodes) > 8 else 0] + leaf)
    while len(nodes) < values:
        previous, other = nodes[-1], rng.choice(nodes[-20:])
        op = rng.choice(("add", "mul", "tanh"))
        nodes.append(previous + other if op == "add" else previous * other if op == "mul" else previous.tanh())
    root = nodes[-1]
    root.backward()
    return root


def engines() -> dict:
    """name -> Engine for graphviz-pure and, when installed, Graphviz's dot."""
    found = {}
    for folder in [None, *_script_dirs()]:
        path = shutil.which("graphviz-pure", path=folder)
        if path:
            found["graphviz-pure"] = find_engine(path)
            break
    if shutil.which("dot"):
        found["dot"] = find_engine(shutil.which("dot"))
    return found


def main(sizes=SIZES, repeats=REPEATS):
    """Print a markdown table of DOT build time and engine time per graph size, engine and format."""
    available = engines()
    names = ", ".join(f"{name} ({engine.path})" for name, engine in available.items()) or "none found"
    print(f"## Rendering diagrams: best of {repeats}, engines: {names}\n")
    if "dot" not in available:
        print("System dot is not installed (Debian: `apt install graphviz`); only graphviz-pure is timed.\n")
    header = ["Values", "drawn nodes", "build DOT"] + [f"{name} {fmt}" for name in available for fmt in ("svg", "png")]
    print("| " + " | ".join(header) + " |")
    print("|" + "---:|" * len(header))
    for size in sizes:
        root = random_graph(size)
        values = len(topological_order(root))
        dot = viz.to_dot(root, max_nodes=10 * size)
        drawn = dot.source.count("shape=plain") + dot.source.count("shape=ellipse")
        build = best_time(lambda: viz.to_dot(root, max_nodes=10 * size).source, repeats)
        cells = [f"{values:,}", f"{drawn:,}", _seconds(build)]
        rounds = repeats if size <= 500 else 1
        for engine in available.values():
            for fmt in ("svg", "png"):
                args = ("-Gdpi=144",) if fmt == "png" else ()
                try:
                    cells.append(_seconds(best_time(lambda: engine.run(dot.source, fmt, args, TIMEOUT), rounds)))
                except RenderError as error:
                    cells.append(f"> {TIMEOUT:.0f} s" if "timeout" in str(error) else "failed")
        print("| " + " | ".join(cells) + " |")


def _seconds(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


if __name__ == "__main__":
    main()
