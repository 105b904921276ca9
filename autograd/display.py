"""Finding the drawing layer: Values and steppers draw themselves without the engine importing it by name.

The engine knows nothing of the packages built on it. The gradwalk distribution
registers its `viz` package under the entry-point group ``gradwalk.drawing`` (see
pyproject.toml), the way pandas finds its plotting backends; the engine loads it the
first time something is displayed or drawn. The registered module provides
``value_mimebundle(value)`` and ``stepper_mimebundle(stepper)`` (what Jupyter shows),
``draw(value, **options)``, ``render(root, path, **options)`` and
``to_html(root, path, **options)``. With no drawing layer installed, Jupyter shows
the plain-text repr, and drawing raises an ImportError that says what to install.
"""

import importlib.metadata

GROUP = "gradwalk.drawing"
_found = []  # [module or None] once looked up: entry points are read from disk only once


def drawing_layer(required: str = ""):
    """The module registered under GROUP, or None; with `required` (the caller's name), ImportError instead of None."""
    if not _found:
        _found.append(_load())
    layer = _found[0]
    if layer is None and required:
        raise ImportError(f"{required} needs gradwalk's drawing layer (the viz package), which is not installed; "
                          f"install gradwalk with its viz package (pip install gradwalk)")
    return layer


def _load():
    for entry in sorted(importlib.metadata.entry_points(group=GROUP), key=lambda e: e.name):
        try:
            return entry.load()
        except ImportError:  # registered but not importable (removed, or blocked): try the next, else text
            continue
    return None


def mimebundle(obj, hook: str, text: str) -> dict:
    """What Jupyter shows for `obj`: the drawing layer's `hook(obj)`, or `text` alone without one."""
    layer = drawing_layer()
    if layer is None:
        return {"text/plain": text}
    return getattr(layer, hook)(obj)
