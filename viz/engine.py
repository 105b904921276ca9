"""Rendering: find a Graphviz engine, run it on DOT source, write SVG/PNG files, show SVG in Jupyter.

Engines are tried in this order:

1. the ``engine=`` argument, else the ``GRADWALK_DOT`` environment variable (a path
   to a ``dot``-compatible executable; a wrong path is an error, not a fallback);
2. Graphviz's ``dot`` on PATH;
3. ``graphviz-pure``, installed with gradwalk: on PATH or next to the running
   interpreter, so an unactivated virtual environment works too.

graphviz-pure writes SVG and PNG; PDF needs Graphviz's ``dot``.
"""

import itertools
import os
import re
import secrets
import shutil
import subprocess
import sys
import sysconfig
import warnings
from dataclasses import dataclass
from numbers import Real
from pathlib import Path

import graphviz

from nn import files

ENV_VAR = "GRADWALK_DOT"
BUNDLED = "graphviz-pure"
FORMATS = ("svg", "png", "pdf", "gv")  # gv: the DOT source itself, no engine needed
SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".gv": "gv", ".dot": "gv"}
DEFAULT_DPI = 144  # PNG pixels per inch: sharp on high-density screens and projectors
DEFAULT_TIMEOUT = 60.0
MAX_TIMEOUT = 86400.0  # a day: subprocess cannot wait forever (timeout=inf overflows inside selectors)
_drawings = itertools.count(1)  # numbers each fitted SVG's ids, so a notebook's drawings never share one
_session = secrets.token_hex(3)
INSTALL_HINT = ("install one: `pip install graphviz-pure` (Linux, macOS and Windows wheels), or Graphviz's dot "
                "(`apt install graphviz`, `brew install graphviz`, `winget install graphviz`), or set "
                f"{ENV_VAR} to the path of a dot executable")


class EngineNotFoundError(RuntimeError):
    """No Graphviz engine could be found or the one asked for is unusable."""


class RenderError(RuntimeError):
    """The Graphviz engine failed, timed out, or cannot write the requested format."""


@dataclass(frozen=True)
class Engine:
    """A Graphviz executable that reads DOT on stdin and writes the rendered file to stdout."""

    path: str

    @property
    def bundled(self) -> bool:
        """True for graphviz-pure, which writes SVG and PNG but not PDF."""
        return Path(self.path).name.lower().startswith(BUNDLED)

    def run(self, source: str, format: str, args=(), timeout: float = DEFAULT_TIMEOUT) -> bytes:
        """Render DOT `source` to `format` (svg, png, pdf, json) and return the output bytes."""
        if format == "pdf" and self.bundled:
            raise RenderError(f"format='pdf' needs Graphviz's dot: {self.path} (graphviz-pure) writes only svg and "
                              f"png; render svg or png, or install Graphviz (`apt install graphviz`, `brew install "
                              f"graphviz`) and put dot on PATH or set {ENV_VAR}")
        command = [self.path, f"-T{format}", *args]
        try:
            done = subprocess.run(command, input=source.encode("utf-8"), capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RenderError(f"{self.path} took longer than timeout={timeout} s; draw fewer nodes (collapse='neuron' "
                              f"or 'layer', a smaller graph) or pass a larger timeout=") from None
        except OSError as error:
            raise RenderError(f"could not run the Graphviz engine {self.path}: {error}") from None
        message = done.stderr.decode("utf-8", "replace").strip()
        if done.returncode != 0 and "not recognized" in message and f'"{format}"' in message:
            raise RenderError(f"format={format!r} is not supported by the Graphviz engine {self.path}; "
                              f"render svg or png instead, or use a dot built with {format} support")
        if done.returncode != 0 or not done.stdout:
            raise RenderError(f"the Graphviz engine {self.path} failed (exit code {done.returncode}): "
                              f"{message or 'no output'}")
        return done.stdout


def _script_dirs() -> list:
    """Where pip puts console scripts for the running interpreter (a venv's bin/ or Scripts/)."""
    dirs = [sysconfig.get_path("scripts"), os.path.dirname(os.path.abspath(sys.executable))]
    return list(dict.fromkeys(d for d in dirs if d))


def _executable(path: str, argument: str) -> str:
    """Return `path` if it is an executable file, else raise naming where it came from."""
    if not os.path.isfile(path):
        raise EngineNotFoundError(f"{argument} points at {path!r}, which does not exist; set it to the path of a "
                                  f"Graphviz dot (or graphviz-pure) executable, or unset it to search PATH")
    if not os.access(path, os.X_OK):
        raise EngineNotFoundError(f"{argument} points at {path!r}, which is not executable; "
                                  f"make it executable (chmod +x) or point at another dot")
    return path


def find_engine(engine=None) -> Engine:
    """The Graphviz engine to use: `engine`, else $GRADWALK_DOT, else dot on PATH, else graphviz-pure."""
    if engine is not None:
        if isinstance(engine, Engine):
            return engine
        if not isinstance(engine, (str, os.PathLike)):
            raise TypeError(f"engine must be a path or a command name, got {type(engine).__name__}")
        engine = os.fspath(engine)
        if os.path.dirname(engine):
            return Engine(_executable(engine, f"engine={engine!r}"))
        found = shutil.which(engine)
        if found is None:
            raise EngineNotFoundError(f"engine={engine!r} was not found on PATH; pass its full path, or {INSTALL_HINT}")
        return Engine(found)
    if os.environ.get(ENV_VAR):
        return Engine(_executable(os.environ[ENV_VAR], f"the {ENV_VAR} environment variable"))
    found = shutil.which("dot") or shutil.which(BUNDLED)
    if found:
        return Engine(found)
    for directory in _script_dirs():
        found = shutil.which(BUNDLED, path=directory)
        if found:
            return Engine(found)
    raise EngineNotFoundError(f"no Graphviz engine found (looked for {ENV_VAR}, dot and {BUNDLED} on PATH, and "
                              f"{BUNDLED} in {', '.join(_script_dirs())}); {INSTALL_HINT}")


def write_atomic(path, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file and a rename, so no reader sees half a file."""
    return Path(files.write_atomic(path, data))


def dot_source(root_or_dot, **options) -> str:
    """DOT text for a Value (or list of Values, drawn with `options`), a graphviz graph, a Diagram, or DOT text."""
    from autograd import Value

    from .graph import model_hint, to_dot

    if isinstance(root_or_dot, Value) or (isinstance(root_or_dot, (list, tuple)) and root_or_dot):
        return to_dot(root_or_dot, **options).source
    if options:
        raise TypeError(f"drawing options ({', '.join(sorted(options))}) apply only when drawing a Value; "
                        f"pass them to viz.to_dot instead")
    if isinstance(root_or_dot, (graphviz.Graph, graphviz.Digraph, Diagram)):
        return root_or_dot.source
    if isinstance(root_or_dot, str) and "graph" in root_or_dot and "{" in root_or_dot:
        return root_or_dot
    raise TypeError(f"root_or_dot must be a Value, a graphviz.Digraph, a Diagram or DOT source text, "
                    f"got {type(root_or_dot).__name__} {str(root_or_dot)[:40]!r}{model_hint(root_or_dot)}")


def _target(path, format):
    """(path, format) with the format taken from the suffix, or the suffix added for an explicit format."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path such as 'graph.svg', got {type(path).__name__}")
    path = Path(path)
    from_suffix = SUFFIXES.get(path.suffix.lower())
    if format is None:
        if from_suffix is None:
            raise ValueError(f"path {str(path)!r} must end in .svg, .png, .pdf or .gv (or pass format=)")
        return path, from_suffix
    wanted = SUFFIXES.get(f".{str(format).lower()}")
    if wanted is None:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    format = wanted
    if not path.suffix:
        return path.with_name(f"{path.name}.{format}"), format
    if from_suffix != format:
        raise ValueError(f"format={format!r} does not match the suffix of path {str(path)!r}; change one of them")
    return path, format


def render(root_or_dot, path, format=None, *, engine=None, timeout=DEFAULT_TIMEOUT, dpi=DEFAULT_DPI,
           **options) -> Path:
    """Draw `root_or_dot` (a Value, a Digraph or DOT text) to `path` (.svg, .png, .pdf or .gv); returns the path.

    Drawing options (see `viz.to_dot`) apply when it is a Value. Without any
    Graphviz engine the DOT source is written next to `path` as .gv and
    EngineNotFoundError says where it is and how to get an engine.
    """
    path, format = _target(path, format)
    dpi, timeout = _check_dpi(dpi), _check_timeout(timeout)
    source = dot_source(root_or_dot, **options)
    if format == "gv":
        return write_atomic(path, source.encode("utf-8"))
    try:
        found = find_engine(engine)
    except EngineNotFoundError as error:
        saved = write_atomic(path.with_suffix(".gv"), source.encode("utf-8"))
        raise EngineNotFoundError(f"{error}. The DOT source is saved in {saved}: render it with "
                                  f"`dot -T{format} {saved} -o {path}` once an engine is installed") from None
    args = (f"-Gdpi={dpi}",) if format == "png" else ()
    return write_atomic(path, found.run(source, format, args, timeout))


def check_number(value, argument: str, low: float, high: float, expected: str, *, low_allowed=True) -> float:
    """`value` as a float if it is a real number from `low` to `high`, else ValueError naming `argument`."""
    if (isinstance(value, bool) or not isinstance(value, Real) or not low <= value <= high
            or (value == low and not low_allowed)):
        raise ValueError(f"{argument} must be {expected}, got {value!r}")
    return float(value)


def check_seconds(value, argument: str, most: float) -> float:
    """`value` as a float if it is a number of seconds above 0 and at most `most`, else ValueError naming `argument`."""
    return check_number(value, argument, 0.0, most, f"a positive number of seconds, at most {most:g}",
                        low_allowed=False)


def _check_dpi(dpi) -> float:
    """`dpi` as a float if it is a number of pixels per inch from 10 to 1200, else ValueError naming it."""
    return check_number(dpi, "dpi", 10, 1200, "a number of pixels per inch between 10 and 1200 (e.g. dpi=144)")


def _check_timeout(timeout) -> float:
    """`timeout` as a float if it is a positive number of seconds, at most a day, else ValueError naming it."""
    return check_seconds(timeout, "timeout", MAX_TIMEOUT)


class Diagram:
    """A drawn graph: shows itself as SVG in Jupyter and renders to files."""

    def __init__(self, source: str, engine=None):
        self.source = source
        self.engine = engine

    def svg(self) -> str:
        """The diagram as SVG text."""
        return find_engine(self.engine).run(self.source, "svg").decode("utf-8")

    def render(self, path, format=None, **render_options) -> Path:
        """Write the diagram to `path` (.svg, .png, .pdf or .gv) and return the path."""
        return render(self.source, path, format, engine=render_options.pop("engine", self.engine), **render_options)

    def _repr_svg_(self):
        return self.svg()

    def _repr_html_(self):  # preferred by notebooks: scales down to the output width
        return fitted_svg(self.svg())

    def __repr__(self):
        return f"<Diagram: {self.source.count(' -> ')} edges; .svg(), .render(path), or display it in Jupyter>"


def unsized_svg(svg: str) -> tuple:
    """An engine's SVG split for inlining: (the <svg ...> tag without width and height, the rest, its width).

    The XML prolog, doctype and comments go; the width is the text of its pt value, or None.
    """
    start = svg.find("<svg")
    if start < 0:
        raise RenderError("the Graphviz engine wrote no <svg> element; check the engine with viz.find_engine()")
    svg = re.sub(r"<!--.*?-->", "", svg[start:], flags=re.S)
    end = svg.index(">")
    width = re.search(r'\swidth="([\d.]+)pt"', svg[:end])
    return re.sub(r'\s(?:width|height)="[^"]*"', "", svg[:end]), svg[end:], width.group(1) if width else None


def fitted_svg(svg: str) -> str:
    """An engine's SVG as HTML that scales down to the output width (never above its own size), ids made unique."""
    tag, body, width = unsized_svg(svg)
    limit = f"max-width: {width}pt; " if width else ""
    # Graphviz numbers its ids from 1 in every drawing, and a notebook holds many (from earlier sessions too).
    prefix = f"gw{_session}-{next(_drawings)}-"
    body = re.sub(r'\bid="', f'id="{prefix}', body)
    body = re.sub(r'(url\(#|href="#)', rf"\g<1>{prefix}", body)
    return (f'<div class="gradwalk-diagram" style="overflow-x: auto">{tag} '
            f'style="{limit}width: 100%; height: auto; display: block"{body.strip()}</div>')


def draw(root, *, engine=None, **options) -> Diagram:
    """A Diagram of `root` (drawing options as for `viz.to_dot`) that Jupyter shows as SVG."""
    return Diagram(dot_source(root, **options), engine)


def value_svg(node):
    """SVG of a Value's graph for Jupyter, or None (Jupyter then shows the text repr) when it cannot be drawn."""
    from .graph import TooManyNodesError

    try:
        return draw(node).svg()
    except TooManyNodesError:  # the text repr is the better display for a huge graph
        return None
    except (EngineNotFoundError, RenderError) as error:
        warnings.warn(f"cannot draw this Value: {error}", RuntimeWarning, stacklevel=2)
        return None
