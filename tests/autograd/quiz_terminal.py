"""The lecture's neuron quizzed in a real terminal: prints every grad before and after the quiz.

y.backward() runs once before the quiz, so the leaves start with grads the quiz must add to
(or put back). The last line is what two plain backward() passes leave, for a quiz run to the end.
"""

from tests.lecture import lecture_neuron


def grads(values):
    return "[" + ", ".join(repr(v.grad) for v in values) + "]"


if __name__ == "__main__":
    y, values = lecture_neuron()
    y.backward()
    print("before:", grads(values), flush=True)
    y.backward_steps().quiz()
    print("after:", grads(values))
    reference, reference_values = lecture_neuron()
    reference.backward()
    reference.backward()
    print("backward twice:", grads(reference_values))
