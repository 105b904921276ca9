"""Test rows for the op table: points to differentiate at, and each op's PyTorch twin.

Adding an op to autograd/ops.py means adding its row here; tests fail until it exists.
"""

import math

# op name -> (x, y, k) points away from kinks, where finite differences are exact enough.
SMOOTH_POINTS = {
    "add": [(1.5, -2.0, 0.0), (0.0, 3.0, 0.0)],
    "sub": [(1.5, -2.0, 0.0), (-4.0, 0.25, 0.0)],
    "mul": [(1.5, -2.0, 0.0), (0.0, 3.0, 0.0)],
    "div": [(1.5, -2.0, 0.0), (-3.0, 0.5, 0.0)],
    "neg": [(1.5, 0.0, 0.0)],
    "pow": [(1.5, 0.0, 2.0), (2.0, 0.0, -1.0), (0.7, 0.0, 0.5), (-1.3, 0.0, 3.0), (2.0, 0.0, 0.0)],
    "vpow": [(1.5, 2.0, 0.0), (0.7, -0.5, 0.0), (2.0, 0.5, 0.0)],
    "exp": [(0.5, 0.0, 0.0), (-3.0, 0.0, 0.0)],
    "log": [(0.5, 0.0, 0.0), (7.0, 0.0, 0.0)],
    "sqrt": [(0.5, 0.0, 0.0), (9.0, 0.0, 0.0)],
    "tanh": [(0.5, 0.0, 0.0), (-2.0, 0.0, 0.0)],
    "sigmoid": [(0.5, 0.0, 0.0), (-2.0, 0.0, 0.0)],
    "relu": [(0.5, 0.0, 0.0), (-2.0, 0.0, 0.0)],
    "leaky_relu": [(0.5, 0.0, 0.01), (-2.0, 0.0, 0.2)],
    "abs": [(0.5, 0.0, 0.0), (-2.0, 0.0, 0.0)],
    "sin": [(0.5, 0.0, 0.0), (-2.0, 0.0, 0.0)],
    "cos": [(0.5, 0.0, 0.0), (-2.0, 0.0, 0.0)],
}

# Kinks and edges: (op, x, y, k, expected local derivatives), the convention PyTorch uses.
EDGE_DERIVATIVES = [
    ("relu", 0.0, 0.0, 0.0, (0.0,)),
    ("abs", 0.0, 0.0, 0.0, (0.0,)),
    ("leaky_relu", 0.0, 0.0, 0.1, (0.1,)),
    ("sqrt", 0.0, 0.0, 0.0, (math.inf,)),
    ("pow", 0.0, 0.0, 0.5, (math.inf,)),
    ("pow", 0.0, 0.0, 0.0, (0.0,)),
    ("pow", 0.0, 0.0, 2.0, (0.0,)),
    ("vpow", 0.0, 2.0, 0.0, (0.0, 0.0)),
    ("vpow", 0.0, 0.0, 0.0, (0.0, 0.0)),
    ("vpow", 0.0, math.nan, 0.0, (math.nan, math.nan)),
]

# Operands outside the domain: (op, x, y, k, exception).
DOMAIN_ERRORS = [
    ("log", 0.0, 0.0, 0.0, ValueError),
    ("log", -1.0, 0.0, 0.0, ValueError),
    ("sqrt", -1e-300, 0.0, 0.0, ValueError),
    ("div", 1.0, 0.0, 0.0, ZeroDivisionError),
    ("div", 0.0, 0.0, 0.0, ZeroDivisionError),
    ("pow", 0.0, 0.0, -1.0, ZeroDivisionError),
    ("pow", -2.0, 0.0, 0.5, ValueError),
    ("vpow", 0.0, -2.0, 0.0, ZeroDivisionError),
    ("vpow", -2.0, 0.5, 0.0, ValueError),
    ("sin", math.inf, 0.0, 0.0, ValueError),
    ("cos", -math.inf, 0.0, 0.0, ValueError),
]


# Each op's twin in PyTorch: (torch, x, y, k) -> tensor, with tensors x and y (y unused by unary ops).
TORCH_TWINS = {
    "add": lambda torch, x, y, k: x + y, "sub": lambda torch, x, y, k: x - y, "mul": lambda torch, x, y, k: x * y,
    "div": lambda torch, x, y, k: x / y, "neg": lambda torch, x, y, k: -x, "pow": lambda torch, x, y, k: x ** k,
    "vpow": lambda torch, x, y, k: x ** y, "exp": lambda torch, x, y, k: torch.exp(x),
    "log": lambda torch, x, y, k: torch.log(x), "sqrt": lambda torch, x, y, k: torch.sqrt(x),
    "tanh": lambda torch, x, y, k: torch.tanh(x), "sigmoid": lambda torch, x, y, k: torch.sigmoid(x),
    "relu": lambda torch, x, y, k: torch.relu(x),
    "leaky_relu": lambda torch, x, y, k: torch.nn.functional.leaky_relu(x, k),
    "abs": lambda torch, x, y, k: torch.abs(x), "sin": lambda torch, x, y, k: torch.sin(x),
    "cos": lambda torch, x, y, k: torch.cos(x),
}


def torch_twin(name, x, y, k):
    """The same op in PyTorch, applied to tensors x and y (y unused by unary ops)."""
    import torch

    return TORCH_TWINS[name](torch, x, y, k)
