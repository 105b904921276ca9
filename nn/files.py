"""Writing a file atomically: a temporary file in the same folder, then a rename over the path.

A reader (or a crash) sees the old file or the new one, never half of one. Every
error names the path the caller gave, not the temporary file, and a failed write
leaves nothing behind. A replaced file keeps its permission bits; a new one gets
0o644, as a plain `open()` under the usual umask.

nn.save and viz's writers (render, to_html, plots) all go through write_atomic:
it lives in nn because nn may not import viz, while viz may import nn.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
>>> write_atomic(path, b"hello") == path
True
>>> open(path).read()
'hello'
"""

import os
import stat
import tempfile

NEW_FILE_MODE = 0o644
# The temporary file's name keeps this many characters of the file's name (plus a dot, 8 random characters and
# ".tmp"), so a name near the 255-byte limit of most file systems still has a temporary file.
NAME_KEPT = 40  # characters: at most 160 bytes in UTF-8


def check_path(path, argument: str = "path") -> str:
    """`path` as a str naming a file in an existing folder, or an exception naming `argument` and the path."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{argument} must be a file path (str or os.PathLike), got {type(path).__name__} {path!r}")
    shown = os.fspath(path)
    if isinstance(shown, bytes):
        raise TypeError(f"{argument} must be a str file path, got bytes {shown!r}")
    if not shown:
        raise ValueError(f"{argument} is empty: give a file name such as 'model.json'")
    if shown.endswith(("/", os.sep)) or os.path.isdir(shown):
        raise IsADirectoryError(f"{argument} {shown!r} is a folder: give a file name inside it, "
                                f"e.g. {os.path.join(shown, 'model.json')!r}")
    folder = os.path.dirname(os.path.abspath(shown))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{argument} {shown!r} is in a directory that does not exist; create {folder!r} first")
    return shown


def write_atomic(path, data: bytes, *, sync: bool = False, argument: str = "path"):
    """Write `data` to `path` through a temporary file and a rename; returns `path` as given.

    `sync` flushes the data to the disk before the rename (os.fsync), so a power
    cut cannot leave an empty file under the new name.
    """
    shown = check_path(path, argument)
    try:
        mode = stat.S_IMODE(os.stat(shown).st_mode)
    except OSError:  # no file yet (or not readable): a new file's usual mode
        mode = NEW_FILE_MODE
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(shown)),
                                             prefix=f".{os.path.basename(shown)[:NAME_KEPT]}.", suffix=".tmp")
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            if sync:
                file.flush()
                os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, shown)
        temporary = None
    except OSError as error:  # named by the temporary file: name the path given instead
        message = f"cannot write {argument} {shown!r}: {error.strerror or error}"
        raise (type(error)(error.errno, message) if error.errno else type(error)(message)) from None
    finally:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)
    return path
