"""The tape compiler: a Value graph flattened into arrays that numba kernels run over whole batches.

`tape.py` compiles a graph and runs it (Tape, compile); `plan.py` finds the dot products
and dense layers and lays the graph out as declared structures of arrays; `kernels.py`
generates the op dispatch from the op table and loads the numba kernels, whose
interpreter is `kernel_source.py` with the dense layers' `dense_source.py`; `checks.py`
checks what goes in and the domain errors that come out. Only `kernels.py` imports numba, when a tape first runs.
"""

from .tape import Tape, compile

__all__ = ["Tape", "compile"]
