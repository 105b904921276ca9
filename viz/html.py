"""The backprop explorer: one self-contained HTML page that steps backprop through your own graph.

`to_html(y, "backprop.html")` writes a page with the diagram of `y`, Next / Back /
Play / Reset buttons (and the arrow keys, Space, Home), the current node and its
edges highlighted, the grads in the diagram updated step by step, and the stepper's
explanation of each step beside the graph. The Quiz button asks, at each backprop step,
for the local derivatives and the new grads before it shows them. Every number on the page is computed
here by the stepper and embedded as JSON; the page's script only shows it. The SVG,
script and style are inlined, and a Content-Security-Policy forbids every request,
so the file works from ``file://`` and never touches the network.

User text (labels) is escaped for every context it lands in; in the JSON block,
``<`` and ``>`` become ``\\u003c`` and ``\\u003e``, so a label cannot close the script:

>>> script_json({"label": "</script>"})
'{"label":"\\\\u003c/script\\\\u003e"}'
"""

import html
import json
import os
import re
from dataclasses import replace
from importlib import resources
from pathlib import Path

from autograd import BackpropStepper, Value
from autograd.answer import ABS_TOL, REL_TOL

from .engine import DEFAULT_TIMEOUT, _check_timeout, check_seconds, find_engine, unsized_svg, write_atomic
from .frames import record_frames
from .graph import TooManyNodesError, _group_members, build, diagram_options, graph_nodes, model_hint, scope_part
from .labels import format_number

DEFAULT_SECONDS = 1.5  # how long Play shows each step
FONT_SIZE = 14  # diagram text, in points: larger than viz's default so a projector shows it
RANKSEP_TB = "0.3"  # inches between ranks top to bottom: an op's oval already separates its operands and result
MAX_QUIZ_QUESTIONS = 600  # about 1 KB each: a bigger graph's page leaves the quiz out (and says so)
SCREEN = (1280, 720)  # the screen the layout is chosen for; the page itself fits any window
_PAGE_SETS = ("highlight", "show_grad")  # drawing options the page decides itself
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
_OPENED_ID = re.compile(r'\bid="')  # the open drawing's ids get a prefix: both drawings number theirs from 1
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def to_html(root, path, *, forward=False, title=None, seconds_per_step=DEFAULT_SECONDS, engine=None,
            timeout=DEFAULT_TIMEOUT, **options) -> Path:
    """Write the backprop explorer of `root` (a Value or a BackpropStepper) to `path`, one HTML file; returns the path.

    forward=True first steps through the forward pass, showing each value as it is
    computed. Drawing options are those of `viz.to_dot` except highlight and show_grad;
    collapse='neuron' or 'layer' draws each neuron or layer as one box, shown open while a
    step works inside it. Without rankdir, the page gets whichever of 'TB' and 'LR'
    draws larger on a 1280x720 screen. The steps are taken (gradient hooks run) to
    record them, then undone: every grad, and a stepper's position, are left as they were.
    """
    stepper = _stepper(root)
    path = _check_path(path)
    page = explorer_page(stepper, forward=forward, title=title, seconds_per_step=seconds_per_step, engine=engine,
                         timeout=timeout, **options)
    try:
        return write_atomic(path, page.encode("utf-8"))
    except PermissionError as error:
        raise PermissionError(f"path {str(path)!r} is not writable ({error.strerror}); "
                              f"choose a folder you can write to") from None


def explorer_page(root, *, forward=False, title=None, seconds_per_step=DEFAULT_SECONDS, engine=None,
                  timeout=DEFAULT_TIMEOUT, inline=False, **options) -> str:
    """The explorer of `root` as the text of one HTML page (arguments as for `to_html`; inline: sized for a notebook)."""
    stepper = _stepper(root)
    rankdirs, options = _check_options(forward, title, seconds_per_step, options)
    timeout = _check_timeout(timeout)
    found = find_engine(engine)
    build(stepper.root, options)  # refuses a graph over max_nodes before any step is recorded
    position = stepper.position
    stepper.reset()
    try:  # the frames and the drawings need the grads as they were before backprop
        nodes = graph_nodes(stepper.root)
        number = lambda x: format_number(x, options.precision)  # noqa: E731
        frames = record_frames(stepper, nodes, number, forward)
        width = _cell_width(max(len(text) for frame in frames for _, text, _ in frame["grads"]))
        drawings = [build(stepper.root, replace(options, rankdir=rankdir), width) for rankdir in rankdirs]
        opened = [_opened(stepper.root, replace(options, rankdir=rankdir), width) for rankdir in rankdirs]
    finally:
        stepper.reset()
        for _ in range(position):
            stepper.step()
    svgs = [_svg(d, found, timeout) for d in drawings]
    best = max(range(len(svgs)), key=lambda i: _fit(svgs[i]))
    drawing, svg = drawings[best], svgs[best]
    shows = _shown_by_boxes(nodes, stepper.root, options.collapse)
    described = [_node(n, stepper.names[n], drawing, number, shows.get(n)) for n in nodes]
    # A stepper part way through opens at its own step (after the forward frames, if shown).
    data = dict(seconds=seconds_per_step, frames=frames, nodes=described,
                start=position + (len(nodes) if forward and position else 0))
    if opened[best] is not None:  # the same graph with every box open, shown while a step works inside a box
        svg += "\n" + _OPENED_ID.sub('id="o-', _svg(opened[best], found, timeout)).replace("<svg", "<svg hidden", 1)
        data["opened"] = [_node(n, stepper.names[n], opened[best], number, None, "o-") for n in nodes]
    for frame in frames:  # the edges a step's gradient (or a forward value) flows along
        active = described[frame["active"]] if frame["active"] is not None else dict(edges=[], result_edge=None)
        frame["edges"] = active["edges"] + ([active["result_edge"]] if active["result_edge"] else [])
        if frame["active"] is not None and nodes[frame["active"]] in shows:  # say which box the step is in
            frame["heading"] += f" \u2014 inside {scope_part(nodes[frame['active']].scope, options.collapse)}"
            frame["view"] = 1 if "opened" in data else 0
    title = title if title is not None else f"Backprop through {stepper.names[stepper.root]}"
    data["quiz"], note = _quiz(frames)
    return _page(title, svg, script_json(data), inline, note)


def _opened(root, options, width):
    """With collapse: the Drawing with every neuron or layer open, as a framed cluster; None if it is too big."""
    if not options.collapse:
        return None
    try:
        return build(root, replace(options, collapse=None, cluster=options.collapse), width)
    except TooManyNodesError:  # the boxes then stay closed
        return None


def _quiz(frames) -> tuple:
    """(tolerance and each backprop frame's questions, popped from the frames, None); (None, why) above the limit."""
    steps = [frame.pop("questions") for frame in frames if "questions" in frame]
    asked = sum(len(step["questions"]) for step in steps)
    if asked > MAX_QUIZ_QUESTIONS:
        return None, (f"No quiz on this page: backprop here asks {asked} questions, more than {MAX_QUIZ_QUESTIONS}. "
                      f"Quiz a smaller expression, or use steps.quiz() in a terminal.")
    return dict(rel_tol=REL_TOL, abs_tol=ABS_TOL, steps=steps), None


def _shown_by_boxes(nodes, root, collapse) -> dict:
    """For collapse: each boxed Value -> True if its box shows its data and grad (the box's one output), else False."""
    if not collapse:
        return {}
    groups = {n: part for n in nodes if (part := scope_part(getattr(n, "scope", ""), collapse))}
    _, outputs = _group_members(nodes, groups, [root])
    return {n: outputs.get(part, [None, None]) == [n] for n, part in groups.items()}


def _stepper(root) -> BackpropStepper:
    """The stepper to export: `root` itself, or a new one for a Value that is not a leaf."""
    if isinstance(root, BackpropStepper):
        stepper = root
    elif isinstance(root, Value):
        stepper = root.backward_steps()
    else:
        raise TypeError(f"root must be a Value or a BackpropStepper, got {type(root).__name__}{model_hint(root)}")
    if len(stepper) == 0:
        raise ValueError(f"root is a leaf ({stepper.names[stepper.root]}): backprop has no steps to show; "
                         f"export the Value an expression made from it")
    return stepper


def _check_path(path) -> Path:
    """`path` as a Path, if it can name a file."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path such as 'backprop.html', got {type(path).__name__}")
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"path {str(path)!r} is a folder; pass a file path such as 'backprop.html'")
    return path


def _check_options(forward, title, seconds_per_step, options) -> tuple:
    """Check the page's arguments; return the rankdirs to try and the checked drawing Options."""
    if not isinstance(forward, bool):
        raise TypeError(f"forward must be True or False, got {forward!r}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {type(title).__name__}")
    check_seconds(seconds_per_step, "seconds_per_step", 3600)
    taken = sorted(set(options) & set(_PAGE_SETS))
    if taken:
        raise TypeError(f"to_html sets {', '.join(taken)} itself; leave {'them' if len(taken) > 1 else 'it'} out")
    rankdirs = [options["rankdir"]] if "rankdir" in options else ["TB", "LR"]
    return rankdirs, diagram_options(**{"rankdir": rankdirs[0], **options})


def _cell_width(characters: int) -> int:
    """Points for a grad cell holding `characters` of text (at most 0.6 em each), so no step's grad overflows it."""
    return round(0.6 * characters * FONT_SIZE + 14)


def _node(node, name, drawing, number, shown_by_box, prefix="") -> dict:
    """What the page needs about one Value: its box and edges in the SVG, its name, its data as shown.

    `shown_by_box` is None for a Value with a box of its own; for one inside a collapsed
    neuron or layer, whether that box shows its numbers (as "out"). `prefix` starts the
    edge ids of a second drawing on the page.
    """
    edges = [prefix + drawing.operand_edges[(node, j)] for j in range(len(node.parents))
             if (node, j) in drawing.operand_edges]
    result = drawing.result_edges.get(node)
    described = dict(box=drawing.node_ids[node], result_edge=result and prefix + result, edges=edges, name=name,
                     data=f"data {number(node.data)}", value=repr(node.data))
    if shown_by_box is not None:
        described.update(boxed=True, shows=shown_by_box, data=f"out {number(node.data)}")
    return described


def script_json(data) -> str:
    """`data` as JSON that is safe inside an HTML <script> element (no '<', '>', '&' or line separators)."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return re.sub("[<>&\u2028\u2029]", lambda match: _SCRIPT_ESCAPES[match.group()], text)


def _svg(drawing, engine, timeout) -> str:
    """The drawing as an SVG element for the page: larger text, and ranks closer when drawn top to bottom."""
    drawing.dot.node_attr["fontsize"] = str(FONT_SIZE)
    drawing.dot.edge_attr["fontsize"] = str(FONT_SIZE - 1)  # local derivatives, when shown
    if drawing.dot.graph_attr.get("rankdir") == "TB":
        drawing.dot.graph_attr["ranksep"] = RANKSEP_TB
    return _inline_svg(engine.run(drawing.dot.source, "svg", (), timeout).decode("utf-8"))


def _fit(svg: str) -> float:
    """Pixels per point the page gives this SVG on a 1280x720 screen, beside or under the explanation."""
    size = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"', svg)
    if size is None:
        return 0.0
    width, height = (max(float(v), 1.0) for v in size.groups())
    room_width, room_height = SCREEN[0] - 20, SCREEN[1] - 82  # less the margins and the header
    beside = min(0.66 * room_width / width, room_height / height)
    below = min(room_width / width, 0.62 * room_height / height)
    return max(beside, below)


def _inline_svg(svg: str) -> str:
    """The engine's SVG as an element to inline: no XML prolog, doctype or comments, sized by the page."""
    tag, body, _ = unsized_svg(svg)
    return f'{tag} role="img" aria-label="computation graph"{body}'.strip()


def _asset(name: str, closing: str) -> str:
    """A packaged script or style, checked not to contain the tag that would end it early."""
    text = resources.files("viz").joinpath(name).read_text(encoding="utf-8")
    if closing in text.lower():
        raise RuntimeError(f"viz/{name} contains {closing!r}, which would end its element in the page")
    return text


def page_head(title: str, stylesheet: str) -> str:
    """A self-contained page's <head>: the policy that forbids every request, the (escaped) title, its style inlined."""
    return f"""<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="gradwalk">
<title>{title}</title>
<style>
{_asset(stylesheet, "</style")}</style>
</head>"""


def _page(title: str, svg: str, data: str, inline: bool, quiz_note) -> str:
    title = html.escape(title)
    hidden = " hidden" if quiz_note else ""
    note = f'<p class="note" id="quiz-note">{html.escape(quiz_note)}</p>\n' if quiz_note else ""
    root = '<html lang="en" class="inline">' if inline else '<html lang="en">'
    return f"""<!DOCTYPE html>
{root}
{page_head(title, "explorer.css")}
<body>
<header>
<h1>{title}</h1>
<p id="score" aria-live="polite" hidden></p>
<nav class="controls" aria-label="backprop steps">
<button id="reset" type="button" title="Reset (Home)">&#x21BA; Reset</button>
<button id="back" type="button" title="Back (Left arrow)">&#x2190; Back</button>
<button id="play" type="button" title="Play or pause (Space)">&#x25B6;&#xFE0E; Play</button>
<button id="next" type="button" title="Next (Right arrow)">Next &#x2192;</button>
<button id="quiz" type="button" aria-pressed="false" title="Quiz: predict each step before it is shown (Q)"{hidden}>
&#x270E;&#xFE0E; Quiz</button>
</nav>
</header>
<main>
<figure id="graph">
{svg}
</figure>
<aside id="panel">
<p id="status" aria-live="polite"></p>
<div id="progress"><div></div></div>
<div id="explanation"></div>
<div id="questions" hidden></div>
<div id="help">
<ul class="legend">
<li class="forward"><span class="swatch active"></span> just computed</li>
<li class="backward"><span class="swatch active"></span> passing its gradient back</li>
<li class="backward"><span class="swatch updated"></span> grad just updated</li>
</ul>
<p class="keys"><kbd>&#x2192;</kbd> next <kbd>&#x2190;</kbd> back <kbd>Space</kbd> play <kbd>Home</kbd> reset
<kbd>+</kbd> <kbd>&#x2212;</kbd> <kbd>0</kbd> zoom<span class="quiz-key"{hidden}> <kbd>Q</kbd> quiz</span></p>
{note}</div>
</aside>
</main>
<script type="application/json" id="steps">{data}</script>
<script>
{_asset("quiz.js", "</script")}</script>
<script>
{_asset("explorer_quiz.js", "</script")}</script>
<script>
{_asset("explorer.js", "</script")}</script>
</body>
</html>
"""
