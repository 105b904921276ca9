"""The lecture's neuron quizzed in a real terminal: prints every grad before and after the quiz.

y.backward() runs once before the quiz, so the leaves start with grads the quiz must add to
(or put back). The last line is what two plain backward() passes leave, for a quiz run to the end.
"""

from autograd import Value


def neuron():
    """y = tanh(x1*w1 + x2*w2 + b) with micrograd's lecture numbers (n = 0.8814, y = 0.7071)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    y = n.tanh()
    y.label = "y"
    return y, [x1, x2, w1, w2, b, n, y]


def grads(values):
    return "[" + ", ".join(repr(v.grad) for v in values) + "]"


if __name__ == "__main__":
    y, values = neuron()
    y.backward()
    print("before:", grads(values), flush=True)
    y.backward_steps().quiz()
    print("after:", grads(values))
    reference, reference_values = neuron()
    reference.backward()
    reference.backward()
    print("backward twice:", grads(reference_values))
