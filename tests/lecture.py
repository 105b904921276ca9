"""The neuron of micrograd's lecture, which tests across the packages draw, step and quiz."""

from autograd import Value


def lecture_neuron(output: str = "y", label=str):
    """tanh(x1*w1 + x2*w2 + b) with the lecture's numbers (n = 0.8814, output 0.7071), backprop not run.

    Returns (output, [x1, x2, w1, w2, b, n, output]), the output labelled `output`; `label`
    turns each label into the one given (a test of unusual labels passes its own).
    """
    x1, x2 = Value(2.0, label=label("x1")), Value(0.0, label=label("x2"))
    w1, w2 = Value(-3.0, label=label("w1")), Value(1.0, label=label("w2"))
    b = Value(6.8813735870195432, label=label("b"))
    n = x1 * w1 + x2 * w2 + b
    n.label = label("n")
    out = n.tanh()
    out.label = label(output)
    return out, [x1, x2, w1, w2, b, n, out]
