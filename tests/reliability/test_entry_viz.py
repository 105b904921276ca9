"""Every public entry point of viz fed wrong types, bad options and hostile numbers.

to_dot, render, draw, Diagram, find_engine, render_steps, plot_loss,
plot_activation, plot_decision_boundary and (once it exists) to_html. Each case
must raise a clear exception from viz's own code naming the argument: never a
traceback from inside graphviz, subprocess or matplotlib, never a silently
ignored option. Modules that are not there yet are skipped.
"""

import math

import numpy as np
import pytest

from autograd import Value
from tests.reliability import tally
from tests.reliability.helpers import refuses

viz = pytest.importorskip("viz")
from viz.engine import ENV_VAR, EngineNotFoundError, RenderError  # noqa: E402
from viz.graph import TooManyNodesError  # noqa: E402

CATEGORY = "bad input: viz"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def case(id, call, errors, *words, marks=()):
    return pytest.param(call, errors, words, id=id, marks=marks)


def expression():
    x = Value(2.0, label="x")
    y = (x * x).tanh()
    y.label = "y"
    return y


def stranger_highlight():
    return viz.to_dot(expression(), highlight={Value(1.0): "red"})


def mlp_and_data():
    import nn

    X, y = nn.make_xor()
    return nn.MLP(2, [3, 1], seed=0), X, y


def boundary(**kwargs):
    model, X, y = mlp_and_data()
    arguments = dict(model=model, X=X, y=y, resolution=10)
    arguments.update(kwargs)
    return viz.plot_decision_boundary(**arguments)


DOT_CASES = [
    case("to_dot int", lambda: viz.to_dot(3), TypeError, "root"),
    case("to_dot empty list", lambda: viz.to_dot([]), TypeError, "root"),
    case("to_dot list with int", lambda: viz.to_dot([expression(), 3]), TypeError, "root"),
    case("precision 0", lambda: viz.to_dot(expression(), precision=0), ValueError, "precision"),
    case("precision 18", lambda: viz.to_dot(expression(), precision=18), ValueError, "precision"),
    case("precision True", lambda: viz.to_dot(expression(), precision=True), ValueError, "precision"),
    case("precision 2.5", lambda: viz.to_dot(expression(), precision=2.5), ValueError, "precision"),
    case("rankdir", lambda: viz.to_dot(expression(), rankdir="XY"), ValueError, "rankdir"),
    case("max_nodes 0", lambda: viz.to_dot(expression(), max_nodes=0), ValueError, "max_nodes"),
    case("max_nodes -1", lambda: viz.to_dot(expression(), max_nodes=-1), ValueError, "max_nodes"),
    case("max_nodes 1.5", lambda: viz.to_dot(expression(), max_nodes=1.5), ValueError, "max_nodes"),
    case("max_nodes 2", lambda: viz.to_dot(expression(), max_nodes=2), TooManyNodesError, "max_nodes"),
    case("collapse", lambda: viz.to_dot(expression(), collapse="all"), ValueError, "collapse"),
    case("cluster", lambda: viz.to_dot(expression(), cluster=3), ValueError, "cluster"),
    case("highlight stranger", stranger_highlight, ValueError, "highlight"),
    case("highlight bad color", lambda: (lambda y: viz.to_dot(y, highlight={y: "not a color"}))(expression()),
         ValueError, "color"),
    case("highlight color injection", lambda: (lambda y: viz.to_dot(y, highlight={y: 'red"];x[label="'}))(
        expression()), ValueError, "color"),
    case("highlight int", lambda: viz.to_dot(expression(), highlight=5), TypeError, "highlight"),
    case("show_grad str", lambda: viz.to_dot(expression(), show_grad="yes"), TypeError, "show_grad"),
    case("unknown option", lambda: viz.to_dot(expression(), colour="red"), TypeError, "colour"),
]

RENDER_CASES = [
    case("render suffix", lambda: viz.render(expression(), "graph.jpg"), ValueError, "path"),
    case("render path int", lambda: viz.render(expression(), 3), TypeError, "path"),
    case("render format", lambda: viz.render(expression(), "graph", format="bmp"), ValueError, "format"),
    case("render format vs suffix", lambda: viz.render(expression(), "graph.svg", format="png"), ValueError,
         "format"),
    case("render root int", lambda: viz.render(3, "graph.svg"), TypeError, "root_or_dot"),
    case("render root text", lambda: viz.render("hello", "graph.svg"), TypeError, "root_or_dot"),
    case("render options on DOT", lambda: viz.render(viz.to_dot(expression()), "graph.svg", precision=3),
         TypeError, "options"),
    case("render dpi 5", lambda: viz.render(expression(), "graph.png", dpi=5), ValueError, "dpi"),
    case("render dpi nan", lambda: viz.render(expression(), "graph.png", dpi=math.nan), ValueError, "dpi"),
    case("render dpi str", lambda: viz.render(expression(), "graph.png", dpi="high"), ValueError, "dpi"),
    case("render timeout 0", lambda: viz.render(expression(), "graph.svg", timeout=0), ValueError, "timeout"),
    case("render timeout nan", lambda: viz.render(expression(), "graph.svg", timeout=math.nan), ValueError,
         "timeout"),
    case("render timeout str", lambda: viz.render(expression(), "graph.svg", timeout="1"), ValueError, "timeout"),
    case("render timeout inf", lambda: viz.render(expression(), "graph.svg", timeout=math.inf), ValueError,
         "timeout"),
    case("render engine int", lambda: viz.render(expression(), "graph.svg", engine=3), TypeError, "engine"),
    case("render engine missing path", lambda: viz.render(expression(), "graph.svg", engine="/no/such/dot"),
         EngineNotFoundError, "engine"),
    case("render engine not on PATH", lambda: viz.render(expression(), "graph.svg", engine="no-such-dot-here"),
         EngineNotFoundError, "engine"),
    case("render engine is a folder", lambda: viz.render(expression(), "graph.svg", engine="/tmp"),
         EngineNotFoundError, "engine"),
    case("render to a missing folder", lambda: viz.render(expression(), "no/such/folder/graph.svg"),
         FileNotFoundError, "folder"),
    case("draw int", lambda: viz.draw(3), TypeError, "root_or_dot"),
    case("draw precision", lambda: viz.draw(expression(), precision=0), ValueError, "precision"),
    case("Diagram of garbage", lambda: viz.Diagram("digraph { a -> }").svg(), RenderError, "Graphviz"),
    case("find_engine int", lambda: viz.find_engine(3), TypeError, "engine"),
]

STEPS_CASES = [
    case("steps root int", lambda: viz.render_steps(3, "frames"), TypeError, "root"),
    case("steps root leaf", lambda: viz.render_steps(Value(1.0), "frames"), ValueError, "leaf"),
    case("steps out_dir int", lambda: viz.render_steps(expression(), 3), TypeError, "out_dir"),
    case("steps out_dir a file", lambda: (open("taken", "w").close(), viz.render_steps(expression(), "taken")),
         NotADirectoryError, "out_dir"),
    case("steps format", lambda: viz.render_steps(expression(), "frames", format="gif"), ValueError, "format"),
    case("steps seconds 0", lambda: viz.render_steps(expression(), "frames", seconds_per_frame=0), ValueError,
         "seconds_per_frame"),
    case("steps seconds str", lambda: viz.render_steps(expression(), "frames", seconds_per_frame="1"), ValueError,
         "seconds_per_frame"),
    case("steps collapse", lambda: viz.render_steps(expression(), "frames", collapse="neuron"), TypeError,
         "collapse"),
    case("steps precision", lambda: viz.render_steps(expression(), "frames", precision=0), ValueError, "precision"),
    case("steps seconds nan", lambda: viz.render_steps(expression(), "frames", seconds_per_frame=math.nan),
         ValueError, "seconds_per_frame"),
    case("steps seconds inf", lambda: viz.render_steps(expression(), "frames", seconds_per_frame=math.inf),
         ValueError, "seconds_per_frame"),
    case("steps dpi -5", lambda: viz.render_steps(expression(), "frames", dpi=-5, gif=False), ValueError, "dpi"),
    case("steps dpi str", lambda: viz.render_steps(expression(), "frames", dpi="abc", gif=False), ValueError,
         "dpi"),
    case("steps timeout str", lambda: viz.render_steps(expression(), "frames", timeout="abc", gif=False),
         ValueError, "timeout"),
    case("steps timeout -1", lambda: viz.render_steps(expression(), "frames", timeout=-1, gif=False), ValueError,
         "timeout"),
    case("steps timeout inf", lambda: viz.render_steps(expression(), "frames", timeout=math.inf), ValueError,
         "timeout"),
    case("steps seconds 1e300", lambda: viz.render_steps(expression(), "frames", seconds_per_frame=1e300),
         ValueError, "seconds_per_frame"),
]

PLOT_CASES = [
    case("plot_loss empty", lambda: viz.plot_loss([]), ValueError, "history"),
    case("plot_loss str", lambda: viz.plot_loss("abc"), TypeError, "history"),
    case("plot_loss int", lambda: viz.plot_loss(3), TypeError, "history"),
    case("plot_loss str entries", lambda: viz.plot_loss(["a"]), TypeError, "history"),
    case("plot_loss untrained History", lambda: viz.plot_loss(__import__("nn").History()), ValueError, "history"),
    case("plot_loss path suffix", lambda: viz.plot_loss([1.0, 0.5], path="loss.xyz"), ValueError, "path"),
    case("activation of add", lambda: viz.plot_activation("add"), ValueError, "name"),
    case("activation unknown", lambda: viz.plot_activation("gelu"), ValueError, "name"),
    case("activation k str", lambda: viz.plot_activation("leaky_relu", k="a"), TypeError, "k"),
    case("activation x_range reversed", lambda: viz.plot_activation("tanh", x_range=(1, -1)), ValueError, "x_range"),
    case("activation x_range nan", lambda: viz.plot_activation("tanh", x_range=(math.nan, 1)), ValueError,
         "x_range"),
    case("activation x_range str", lambda: viz.plot_activation("tanh", x_range="ab"), ValueError, "x_range"),
    case("activation log over negatives", lambda: viz.plot_activation("log", x_range=(-3, -1)), ValueError,
         "x_range"),
    case("activation x_range infinite", lambda: viz.plot_activation("tanh", x_range=(-math.inf, math.inf)),
         ValueError, "x_range"),
    case("activation x_range too wide", lambda: viz.plot_activation("tanh", x_range=(-1e308, 1e308)), ValueError,
         "x_range"),
    case("activation exp overflows everywhere", lambda: viz.plot_activation("exp", x_range=(1000, 2000)),
         ValueError, "x_range"),
    case("activation pow 0.5 over negatives", lambda: viz.plot_activation("pow", k=0.5, x_range=(-3, -1)),
         ValueError, "x_range"),
    case("boundary model int", lambda: boundary(model=3), TypeError, "model"),
    case("boundary X 3 columns", lambda: boundary(X=np.zeros((4, 3))), ValueError, "X"),
    case("boundary X str", lambda: boundary(X="abcd"), (TypeError, ValueError), "X"),
    case("boundary X nan", lambda: boundary(X=[[math.nan, 0], [0, 0], [1, 0], [1, 1]]), ValueError, "X"),
    case("boundary y length", lambda: boundary(y=[0, 1]), ValueError, "y"),
    case("boundary y str", lambda: boundary(y=["a", "b", "c", "d"]), ValueError, "y"),
    case("boundary resolution 5", lambda: boundary(resolution=5), ValueError, "resolution"),
    case("boundary resolution 5000", lambda: boundary(resolution=5000), ValueError, "resolution"),
    case("boundary resolution 10.5", lambda: boundary(resolution=10.5), ValueError, "resolution"),
    case("boundary 3 classes 1 output", lambda: boundary(y=[0, 1, 2, 0]), ValueError, "classes"),
    case("boundary padding nan", lambda: boundary(padding=math.nan), ValueError, "padding"),
    case("boundary padding str", lambda: boundary(padding="a"), (TypeError, ValueError), "padding"),
    case("boundary X at 1e308", lambda: boundary(X=[[1e308, 1e308], [-1e308, -1e308]], y=[0, 1]), ValueError, "X"),
    case("boundary padding inf", lambda: boundary(padding=math.inf), ValueError, "padding"),
    case("boundary padding negative", lambda: boundary(padding=-0.5), ValueError, "padding"),
    case("boundary padding overflows", lambda: boundary(padding=1e308), ValueError, "padding"),
    case("boundary threshold nan", lambda: boundary(threshold=math.nan), ValueError, "threshold"),
    case("boundary threshold with two outputs", lambda: boundary(model=lambda x: [x[0], x[1]], threshold=0.5),
         ValueError, "threshold"),
    case("boundary threshold str", lambda: boundary(threshold="a"), (TypeError, ValueError), "threshold"),
]

try:
    from viz.html import to_html
except ImportError:  # not there yet
    HTML_CASES = []
else:
    HTML_CASES = [
        case("html root int", lambda: to_html(3, "page.html"), TypeError, "root"),
        case("html root leaf", lambda: to_html(Value(1.0), "page.html"), ValueError, "leaf"),
        case("html path int", lambda: to_html(expression(), 3), TypeError, "path"),
        case("html path folder", lambda: to_html(expression(), "."), IsADirectoryError, "path"),
        case("html forward str", lambda: to_html(expression(), "page.html", forward="yes"), TypeError, "forward"),
        case("html title int", lambda: to_html(expression(), "page.html", title=3), TypeError, "title"),
        case("html seconds nan", lambda: to_html(expression(), "page.html", seconds_per_step=math.nan), ValueError,
             "seconds_per_step"),
        case("html seconds 0", lambda: to_html(expression(), "page.html", seconds_per_step=0), ValueError,
             "seconds_per_step"),
        case("html timeout inf", lambda: to_html(expression(), "page.html", timeout=math.inf), ValueError,
             "timeout"),
        case("html collapse unknown", lambda: to_html(expression(), "page.html", collapse="brain"), ValueError,
             "collapse"),
        case("html show_grad", lambda: to_html(expression(), "page.html", show_grad=False), TypeError, "show_grad"),
    ]


@pytest.mark.parametrize("call, errors, words", DOT_CASES + RENDER_CASES + STEPS_CASES + PLOT_CASES + HTML_CASES)
def test_refused_with_a_clear_error(call, errors, words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ENV_VAR, raising=False)
    refuses(call, errors, *words)
    tally.record(CATEGORY, "wrong types, bad options, hostile numbers refused clearly")


@pytest.mark.parametrize("setting", ["/no/such/dot", "/tmp", "relative-name"])
def test_a_bad_gradwalk_dot_is_named(setting, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ENV_VAR, setting)
    error = refuses(lambda: viz.render(expression(), "graph.svg"), EngineNotFoundError, ENV_VAR)
    assert "graph.gv" in str(error)  # the DOT source is kept for later
    tally.record(CATEGORY, "wrong types, bad options, hostile numbers refused clearly")


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf, 1e308, 5e-324, -0.0])
def test_hostile_numbers_and_labels_draw(number, tmp_path):
    """NaN, inf and quotes/HTML in labels are data, not errors: the DOT renders to SVG."""
    x = Value(number, label='x" <b>&{}|')
    y = x * 2.0
    y.label = "y\n]; evil [shape=box"
    path = viz.render(y, tmp_path / "g.svg", show_local_derivatives=True)
    assert path.read_bytes().lstrip().startswith(b"<?xml")
    tally.record(CATEGORY, "NaN/inf values and hostile labels drawn")
