"""Progress bars: tqdm's text bar in a terminal, and in a notebook the same text in one updated HTML output.

tqdm's notebook bar is an ipywidget: without ipywidgets it prints a warning and shows
nothing, and a saved notebook keeps only "0%". Here a notebook gets tqdm's plain bar
rendered into one display output that is updated in place, so no widget is needed and
the saved notebook (and its HTML export) keeps the bar's last state.
"""

import html
import io
import sys

from tqdm import std


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, Notebook, VS Code, Colab), False in a terminal or script."""
    shell = sys.modules.get("IPython")
    shell = shell.get_ipython() if shell is not None and hasattr(shell, "get_ipython") else None
    return getattr(shell, "kernel", None) is not None


class NotebookBar(std.tqdm):
    """tqdm's text bar shown as one notebook output, updated in place; its last state stays in the notebook."""

    def __init__(self, *args, **kwargs):
        self._handle = None
        kwargs["file"] = io.StringIO()  # tqdm's own writes (newlines, clearing) go nowhere
        kwargs.setdefault("ncols", 100)
        if kwargs.get("disable") is None:  # tqdm's None means "off unless a terminal": a notebook counts
            kwargs["disable"] = False
        super().__init__(*args, **kwargs)

    def display(self, msg=None, pos=None):
        from IPython.display import HTML, display

        text = self.__str__() if msg is None else msg
        output = HTML(f'<pre class="gradwalk-progress" style="margin: 0">{html.escape(text)}</pre>')
        if self._handle is None:
            self._handle = display(output, display_id=True)
        else:
            self._handle.update(output)
        return True


def tqdm(*args, **kwargs):
    """A progress bar taking tqdm's arguments: the notebook bar inside Jupyter, tqdm's text bar elsewhere."""
    return (NotebookBar if _in_notebook() else std.tqdm)(*args, **kwargs)
