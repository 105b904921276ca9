"""Run a notebook as a reader would: a kernel of this interpreter (nbclient), then nbconvert's HTML page.

The kernel is named by a kernelspec written for the run and put first on JUPYTER_PATH,
so a `python3` kernel installed elsewhere (another Python, without gradwalk) is never picked.
"""

import json
import os
import sys
from pathlib import Path

KERNEL = "gradwalk-venv"


def run_notebook(path, folder: Path):
    """Execute the notebook at `path` with `folder` as its working folder; return (notebook, path of its HTML)."""
    import nbclient
    import nbconvert
    import nbformat

    spec = folder / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "gradwalk (this interpreter)", "language": "python"}), encoding="utf-8")
    notebook = nbformat.read(path, as_version=4)
    before = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(folder / "jupyter"), before]))
    try:
        nbclient.NotebookClient(notebook, timeout=600, kernel_name=KERNEL,
                                resources={"metadata": {"path": str(folder)}}).execute()
    finally:
        if before is None:
            del os.environ["JUPYTER_PATH"]
        else:
            os.environ["JUPYTER_PATH"] = before
    body, _ = nbconvert.HTMLExporter().from_notebook_node(notebook)
    page = folder / (Path(path).stem + ".html")
    page.write_text(body, encoding="utf-8")
    return notebook, page
