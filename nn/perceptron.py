"""Rosenblatt's perceptron: the single neuron with a step output and its own learning rule."""

import math

from autograd import Value

from .history import History
from .module import Module, _as_inputs
from .validate import MAX_PARAMETERS, check_count, check_labels, check_positive, check_samples


class Perceptron(Module):
    """Rosenblatt's perceptron: step(w . x + b) with labels {0, 1}, trained by its own rule.

    It learns any linearly separable labelling (AND, OR) in finitely many updates,
    and can never get all four XOR points right: no line separates them.

    >>> from nn.data import make_and
    >>> X, y = make_and()
    >>> p = Perceptron(2)
    >>> p.fit(X, y, epochs=20).accuracy[-1]
    1.0
    >>> [p.predict(x) for x in X]
    [0, 0, 0, 1]
    """

    output_activation = "step"
    nout = 1

    def __init__(self, nin: int):
        """Weights and bias start at 0, as in the classic algorithm."""
        self.nin = check_count(nin, "nin", MAX_PARAMETERS - 1)
        self.w = [Value(0.0, label=f"w{k}") for k in range(self.nin)]
        self.b = Value(0.0, label="b")

    def own_parameters(self) -> list:
        """The weights, then the bias."""
        return self.w + [self.b]

    def forward(self, x):
        """The score w . x + b as a Value (the step is applied by predict)."""
        x = _as_inputs(x, self.nin)
        total = self.b
        for wi, xi in zip(self.w, x):
            total = total + wi * xi
        return total

    def predict(self, x) -> int:
        """1 if w . x + b > 0 else 0."""
        return 1 if self.forward(x).data > 0.0 else 0

    def fit(self, X, y, epochs: int = 100, lr: float = 1.0):
        """The perceptron rule w += lr * (y - y_hat) * x, b += lr * (y - y_hat), sample by sample.

        Stops after the first epoch without mistakes. Returns a History whose
        `loss` is the fraction of samples misclassified during each epoch and whose
        `accuracy` is measured after each epoch.
        """
        X = check_samples(X, self.nin, "X")
        y = check_labels(y, len(X), (0, 1), "y", hint="the perceptron uses labels 0 and 1")
        epochs = check_count(epochs, "epochs")
        lr = check_positive(lr, "lr")
        history = History()
        for _ in range(epochs):
            mistakes = 0
            for x, target in zip(X.tolist(), y.tolist()):
                error = target - self.predict(x)
                if error:
                    mistakes += 1
                    self._update(lr * error, x, lr)
            correct = sum(self.predict(x) == t for x, t in zip(X.tolist(), y.tolist()))
            history.record(loss=mistakes / len(X), accuracy=correct / len(X), lr=lr)
            if mistakes == 0:
                break
        return history

    def _update(self, step: float, x: list, lr: float) -> None:
        """w += step * x, b += step; refused (weights unchanged) if any would overflow to infinity."""
        weights = [wi.data + step * xi for wi, xi in zip(self.w, x)] + [self.b.data + step]
        if not all(map(math.isfinite, weights)):
            raise ValueError(f"the perceptron's weights would overflow to infinity (lr={lr!r}, a sample with "
                             f"|x| up to {max(map(abs, x), default=0.0):.3g}); lower lr or rescale X "
                             f"(e.g. standardize its columns)")
        for p, value in zip(self.own_parameters(), weights):
            p.data = value

    def config(self) -> dict:
        """nin."""
        return {"nin": self.nin}
