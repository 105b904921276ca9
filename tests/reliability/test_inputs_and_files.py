"""Numbers a float cannot hold, model files that must read back, and traced models that must match.

* complex X or y, and integers beyond the float range, are refused by every entry
  point that reads them, with a message naming the argument (numpy would drop the
  imaginary part with a warning only, or raise an OverflowError naming nothing);
* a NaN pair of labels and a perceptron whose weights would overflow are refused;
* everything nn.save writes, nn.load reads back equal: architecture, every
  parameter's data and label (named layers, sub-modules, relabelled parameters);
* nn.save and viz's writers name the path given when it cannot be written, create
  nothing then, and keep the mode of a file they replace;
* a model whose graph depends on its input is never run through a tape traced at
  other inputs: the decision boundary falls back to the Value path and the numba
  backend refuses, naming the cause.
"""

import math
import os
import stat

import numpy as np
import pytest

import nn
from autograd import Value, compile
from nn import MLP, Layer, Neuron, Perceptron
from tests.reliability import tally

CATEGORY = "bad input: nn"
X4, Y4 = nn.make_xor()
HUGE = 10 ** 400  # an int no float can hold


def model():
    return MLP(2, [3, 1], seed=0)


def fit(**kwargs):
    arguments = dict(model=model(), X=X4, y=Y4, loss="mse", epochs=1, progress=False)
    arguments.update(kwargs)
    return nn.fit(**arguments)


def tape_forward(X):
    x = Value(0.0)
    return compile([x * 2.0], inputs=[x]).forward(X)


# -- complex numbers and integers beyond float range ---------------------------------------------

NUMBER_CASES = [
    ("fit complex X", lambda: fit(X=X4 + 1j), TypeError, ("X", "complex")),
    ("fit complex y", lambda: fit(y=Y4 + 0j), TypeError, ("y", "complex")),
    ("fit complex val y", lambda: fit(val=(X4, Y4 * 1j)), TypeError, ("val[1]", "complex")),
    ("fit complex y in an object array", lambda: fit(y=[0, 1, 1, 1j]), TypeError, ("y", "complex")),
    ("predict complex X", lambda: nn.predict(model(), X4.astype(np.complex64)), TypeError, ("X", "complex")),
    ("predict_proba complex X", lambda: nn.predict_proba(model(), X4 + 1j), TypeError, ("X", "complex")),
    ("accuracy complex y", lambda: nn.accuracy(model(), X4, Y4 + 2j), TypeError, ("y", "complex")),
    ("mse complex targets", lambda: nn.mse([1.0, 2.0], [1.0, 2.0 + 1j]), TypeError, ("targets", "complex")),
    ("mse complex 2-D targets", lambda: nn.mse([[1.0, 2.0]], [[1.0, 2.0 + 1j]]), TypeError, ("targets", "complex")),
    ("perceptron complex X", lambda: Perceptron(2).fit(X4 + 1j, Y4), TypeError, ("X", "complex")),
    ("fit huge int in X", lambda: fit(X=[[HUGE, 0]] * 4), ValueError, ("X", "float range")),
    ("fit huge int in y", lambda: fit(y=[0, 1, HUGE, 0]), ValueError, ("y", "float range")),
    ("fit huge int in val X", lambda: fit(val=([[0, -HUGE]], [1])), ValueError, ("val[0]", "float range")),
    ("predict huge int", lambda: nn.predict(model(), [[1, HUGE]]), ValueError, ("X", "float range")),
    ("accuracy huge int y", lambda: nn.accuracy(model(), X4, [0, 1, 1, HUGE]), ValueError, ("y", "float range")),
    ("perceptron huge int", lambda: Perceptron(2).fit([[HUGE, 0]], [1]), ValueError, ("X", "float range")),
    ("tape.forward huge int", lambda: tape_forward([[HUGE]]), ValueError, ("X", "float range")),
]


@pytest.mark.filterwarnings("error")  # numpy's ComplexWarning instead of an error fails the case
@pytest.mark.parametrize("call, error, words", [pytest.param(c, e, w, id=i) for i, c, e, w in NUMBER_CASES])
def test_complex_and_out_of_range_numbers_are_refused_naming_the_argument(call, error, words):
    """No silent loss of an imaginary part, no anonymous OverflowError: the argument is named."""
    with pytest.raises(error) as raised:
        call()
    message = str(raised.value)
    assert all(word in message for word in words), message
    tally.record(CATEGORY, "complex or beyond-float numbers")


def test_the_numba_batch_check_refuses_complex_batches():
    """A batch handed to a numba training step is refused when complex, as fit refuses it."""
    pytest.importorskip("numba")
    engine = nn.batched.NumbaBackend(model(), nn.losses.mse)
    with pytest.raises(TypeError, match="X holds complex"):
        engine.evaluate(X4 + 1j, Y4)


# -- labels and the perceptron -------------------------------------------------------------------


@pytest.mark.parametrize("labels", [(math.nan, math.nan), (0, math.nan), (np.float64("nan"), 1.0)],
                         ids=["both NaN", "positive NaN", "negative NaN"])
def test_predict_refuses_nan_labels(labels):
    """predict(labels=...) needs two different real labels: NaN != NaN must not pass as 'different'."""
    with pytest.raises(ValueError, match="labels"):
        nn.predict(model(), X4, labels=labels)
    tally.record(CATEGORY, "NaN label pairs")


@pytest.mark.parametrize("lr, X", [(1e300, [[1e10, 1.0], [-1e10, -1.0]]), (10.0, [[1e308, 1e308], [-1e308, -1e308]])],
                         ids=["huge lr", "huge X"])
def test_perceptron_refuses_weights_overflowing_to_infinity(lr, X):
    """Perceptron.fit raises naming lr and X instead of training weights to inf; the weights stay finite."""
    perceptron = Perceptron(2)
    with pytest.raises(ValueError) as raised:
        perceptron.fit(X, [0, 1], lr=lr, epochs=5)
    assert "lr" in str(raised.value) and "X" in str(raised.value)
    assert all(math.isfinite(p.data) for p in perceptron.parameters())
    tally.record(CATEGORY, "perceptron overflow")


def test_perceptron_still_learns_and_with_large_finite_weights():
    """The overflow check refuses only infinity: AND is learnt with lr=1e300 and weights near 1e300."""
    perceptron = Perceptron(2)
    X, y = nn.make_and()
    perceptron.fit(X, y, lr=1e300, epochs=20)
    assert [perceptron.predict(x) for x in X] == list(y)
