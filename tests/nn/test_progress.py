"""nn.progress: tqdm's text bar in a terminal (the notebook bar runs in tests/viz/test_notebook.py's kernel)."""

import io

from tqdm import std

from nn.progress import NotebookBar, tqdm


def test_outside_a_notebook_the_bar_is_tqdms_text_bar():
    out = io.StringIO()
    bar = tqdm(total=3, file=out, disable=False, ncols=60)
    bar.update(3)
    bar.close()
    assert type(bar) is std.tqdm and "3/3" in out.getvalue() and "100%" in out.getvalue()
    assert not isinstance(bar, NotebookBar)
