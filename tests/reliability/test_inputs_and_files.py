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


# -- where files are written ---------------------------------------------------------------------


def _writers():
    """(name, write(path)) for every public writer that goes through the atomic write."""
    import viz
    from autograd import Value

    y = Value(2.0, label="x") * 3.0
    return [("nn.save", lambda path: nn.save(model(), path)),
            ("Module.save", lambda path: model().save(path)),
            ("viz.render .gv", lambda path: viz.render(y, path, format="gv"))]


WRITERS = [name for name, _ in _writers()]


def _writer(name):
    return dict(_writers())[name]


def _bad_targets(tmp_path):
    folder = tmp_path / "folder.gv"
    folder.mkdir()
    return {"a folder": (str(folder), IsADirectoryError),
            "a folder with a slash": (str(folder) + os.sep, IsADirectoryError),
            "the empty path": ("", ValueError),
            "a missing folder": (str(tmp_path / "missing" / "m.gv"), FileNotFoundError),
            "an unwritable place": ("/proc/m.gv", OSError)}


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("target", ["a folder", "a folder with a slash", "the empty path", "a missing folder",
                                    "an unwritable place"])
def test_a_path_that_cannot_be_written_is_named_and_nothing_is_created(writer, target, tmp_path, monkeypatch):
    """The error names the path given (never a hidden temporary file) and no file appears anywhere."""
    import tempfile

    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    path, error = _bad_targets(tmp_path)[target]
    if writer.startswith("viz") and target in ("the empty path", "a folder with a slash"):
        error = (error, ValueError)  # render asks for a suffix (or format=) first
    before = sorted(os.walk(tmp_path))
    temporaries = []
    real_mkstemp = tempfile.mkstemp
    monkeypatch.setattr(tempfile, "mkstemp", lambda *a, **k: temporaries.append(k) or real_mkstemp(*a, **k))
    with pytest.raises(error) as raised:
        _writer(writer)(path)
    message = str(raised.value)
    assert ".tmp" not in message, message
    if path:
        assert repr(path.rstrip(os.sep)) in message or repr(path) in message, message
    assert sorted(os.walk(tmp_path)) == before
    assert not temporaries or target == "an unwritable place"
    tally.record(CATEGORY, "unwritable paths")


def test_an_unwritable_folder_is_named_for_a_user_without_root(tmp_path):
    """A folder without write permission: PermissionError naming the path given, nothing created."""
    if os.geteuid() == 0:
        pytest.skip("root writes into any folder")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match="m.json"):
            nn.save(model(), folder / "m.json")
        assert os.listdir(folder) == []
    finally:
        folder.chmod(0o700)


@pytest.mark.parametrize("writer", WRITERS)
def test_a_refused_temporary_file_is_reported_by_the_path_given(writer, tmp_path, monkeypatch):
    """EACCES on the temporary file (as a read-only folder gives a user without root): the path given is named."""
    import tempfile

    def refuse(*args, dir=None, prefix="", suffix="", **kwargs):
        raise PermissionError(13, "Permission denied", os.path.join(dir, prefix + "abcd1234" + suffix))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    path = tmp_path / "m.gv"
    with pytest.raises(PermissionError) as raised:
        _writer(writer)(path)
    assert repr(str(path)) in str(raised.value) and ".tmp" not in str(raised.value), str(raised.value)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600, 0o664], ids=oct)
def test_replacing_a_file_keeps_its_mode(writer, mode, tmp_path):
    """Saving over an existing file keeps its permission bits, as viz's writers always did."""
    path = tmp_path / "m.gv"
    path.write_text("old")
    path.chmod(mode)
    _writer(writer)(path)
    assert stat.S_IMODE(path.stat().st_mode) == mode and path.read_text() != "old"
    assert os.listdir(tmp_path) == ["m.gv"]
    tally.record(CATEGORY, "replaced file modes")


def test_a_new_model_file_is_readable_by_others_as_a_plain_file_is(tmp_path):
    """A new file gets 0o644, not mkstemp's private 0o600."""
    nn.save(model(), tmp_path / "m.json")
    assert stat.S_IMODE((tmp_path / "m.json").stat().st_mode) == 0o644


# -- what save writes, load reads back equal -----------------------------------------------------


def relabelled(build, change):
    built = build()
    change(built.parameters())
    return built


def _set_labels(labels):
    def change(params):
        for p, label in zip(params, labels):
            p.label = label
    return change


ROUND_TRIPS = {
    "named Layer": lambda: Layer(2, 3, name="encoder", seed=1),
    "named Neuron": lambda: Neuron(3, activation="relu", name="gate", seed=1),
    "Layer taken out of an MLP": lambda: MLP(2, [3, 4, 1], seed=1).layers[1],
    "Neuron taken out of an MLP": lambda: MLP(2, [3, 1], seed=1).layers[0].neurons[2],
    "Neuron taken out of a Layer": lambda: Layer(2, 3, seed=1).neurons[1],
    "one relabelled weight": lambda: relabelled(model, _set_labels(["first weight"])),
    "every label the same": lambda: relabelled(model, lambda ps: [setattr(p, "label", "w") for p in ps]),
    "empty labels": lambda: relabelled(model, lambda ps: [setattr(p, "label", "") for p in ps]),
    "two labels swapped": lambda: relabelled(model, _set_labels(["L0.N0.w1", "L0.N0.w0"])),
    "labels naming other parameters": lambda: relabelled(model, _set_labels(["L1.N0.b", "L9.N9.w9"])),
    "unicode, quotes and backslashes": lambda: relabelled(model, _set_labels(["θ₀", "🧠", 'quote " and \\'])),
    "relabelled perceptron": lambda: relabelled(lambda: Perceptron(2), _set_labels(["bias?", "w"])),
    "plain MLP": model,
}


def described(module):
    """Everything a model file must carry: type, architecture, and every parameter's bits and label."""
    return (type(module).__name__, module.config(),
            [(float(p.data).hex(), p.label) for p in module.parameters()])


@pytest.mark.parametrize("build", ROUND_TRIPS.values(), ids=ROUND_TRIPS.keys())
def test_what_save_writes_load_reads_back_equal(build, tmp_path):
    """Architecture, every weight bit for bit and every label survive save then load."""
    original = build()
    for i, p in enumerate(original.parameters()):
        p.data = (-1) ** i * (i + 0.1) / 7  # weights no fresh model has
    path = tmp_path / "m.json"
    nn.save(original, path)
    loaded = nn.load(path)
    assert described(loaded) == described(original)
    loaded.save(path)  # and the loaded model saves the same file again
    assert described(nn.load(path)) == described(original)
    tally.record("model files", "save/load round trips")


def test_a_model_with_the_usual_labels_is_still_written_as_version_1(tmp_path):
    """Only a model that needs labels gets the newer format, so older readers keep reading the rest."""
    import json

    nn.save(model(), tmp_path / "plain.json")
    nn.save(Layer(2, 2, name="named"), tmp_path / "named.json")
    assert json.loads((tmp_path / "plain.json").read_text())["version"] == 1
    named = json.loads((tmp_path / "named.json").read_text())
    assert named["version"] == 2 and named["model"]["labels"]["N1.b"] == "named.N1.b"


# (A label that is not a str cannot get this far: Value refuses it when it is assigned.)
@pytest.mark.parametrize("change, error, words", [
    (lambda m: m.layers[0].neurons.pop(), ValueError, ("config", "changed")),
    (lambda m: m.layers.append(Layer(1, 1)), ValueError, ("config", "changed")),
    (lambda m: setattr(m.parameters()[0], "data", "0.5"), ValueError, ("L0.N0.w0",)),
], ids=["a neuron removed", "a layer appended", "weight a str"])
def test_save_refuses_a_model_load_could_not_read_back(change, error, words, tmp_path):
    """save refuses (naming the cause) rather than write a file that loads as another model; nothing is written."""
    built = model()
    change(built)
    with pytest.raises(error) as raised:
        nn.save(built, tmp_path / "m.json")
    assert all(word in str(raised.value) for word in words), str(raised.value)
    assert os.listdir(tmp_path) == []


# -- models whose graph depends on their input ---------------------------------------------------


class SignGate(nn.Module):
    """A custom model that branches on its input's number: an MLP's score, negated where x0 <= 0."""

    nin, nout = 2, 1

    def __init__(self):
        self.mlp = MLP(2, [4, 1], seed=0)

    def children(self):
        return [("mlp", self.mlp)]

    def forward(self, x):
        x = [xi if isinstance(xi, Value) else Value(xi) for xi in x]
        score = self.mlp(x)
        return score if x[0].data > 0 else score * -1.0

    def config(self):
        return {}


def data_scaled(x):
    """A function that computes with x.data: x0 * |x0|, whose traced graph at 0 is the constant 0."""
    return x[0] * abs(x[0].data)


def threshold_at_one(x):
    """A classifier that branches far from 0: class 1 where x0 > 1, drawn by -1 or +1."""
    return Value(1.0) + x[0] * 0.0 if x[0].data > 1.0 else Value(-1.0) + x[0] * 0.0


@pytest.mark.parametrize("model, X", [
    (SignGate(), np.array([[-1.0, 0.2], [-0.4, -0.8], [0.3, 0.5], [1.2, -0.6]])),
    (data_scaled, np.array([[-2.0, 0.0], [-1.0, 1.0], [1.0, 0.0], [2.0, 1.0]])),
    (threshold_at_one, np.array([[0.0, 0.0], [0.5, 1.0], [1.5, 0.0], [2.5, 1.0]])),
], ids=["branch on x0's sign", "arithmetic on x.data", "branch at x0 = 1"])
def test_decision_boundary_fast_path_draws_the_model_not_its_trace_at_zero(model, X):
    """The fast path falls back to calling the model when its tape disagrees: same picture as fast=False."""
    import viz

    pytest.importorskip("numba")
    y = np.array([0, 0, 1, 1])
    from viz.boundary import model_outputs

    points = np.vstack([np.linspace(-3, 3, 41), np.linspace(3, -3, 41)]).T
    exact = np.array([[model([Value(a) for a in row]).data] for row in points.tolist()])
    np.testing.assert_array_equal(model_outputs(model, points, fast=True), exact)
    title = viz.plot_decision_boundary(model, X, y, resolution=20, fast=True).axes[0].get_title()
    if isinstance(model, SignGate):  # it takes floats too: the same picture as the Value path
        assert title == viz.plot_decision_boundary(model, X, y, resolution=20, fast=False).axes[0].get_title()
    else:  # x0 * |x0| > 0 exactly where x0 > 0, and the threshold model is right by construction
        assert "accuracy 100%" in title, title
    tally.record("bad input: viz", "input-dependent graphs drawn")


def test_decision_boundary_fast_path_still_runs_the_tape_for_an_mlp(monkeypatch):
    """An MLP's graph does not depend on its input: the tape's outputs are used (the model is only checked)."""
    pytest.importorskip("numba")
    from viz import boundary

    mlp = MLP(2, [5, 1], seed=3)
    points = np.random.default_rng(1).normal(size=(500, 2))
    calls = []
    original = MLP.forward
    monkeypatch.setattr(MLP, "forward", lambda self, x: calls.append(1) or original(self, x))
    outputs = boundary.model_outputs(mlp, points, fast=True)
    assert len(calls) <= boundary.CHECKED_ROWS + 1  # the trace, then the rows checked
    monkeypatch.setattr(MLP, "forward", original)
    np.testing.assert_allclose(outputs, nn.model_outputs(mlp, points), rtol=1e-12, atol=1e-12)


def test_numba_backend_refuses_a_model_whose_graph_depends_on_its_input():
    """fit(backend='numba') refuses, naming the cause and backend='value', instead of training another function."""
    pytest.importorskip("numba")
    X, y = nn.make_moons(40, seed=0)
    gate = SignGate()
    before = [p.data for p in gate.parameters()]
    with pytest.raises(ValueError) as raised:
        nn.fit(gate, X, y, loss="bce_with_logits", epochs=2, progress=False, backend="numba")
    message = str(raised.value)
    assert "backend='value'" in message and "x.data" in message and "other inputs" in message, message
    assert [p.data for p in gate.parameters()] == before
    nn.fit(gate, X, y, loss="bce_with_logits", epochs=2, progress=False, backend="value")  # the way out works
    tally.record(CATEGORY, "input-dependent graphs refused by numba")


@pytest.mark.parametrize("loss, nout", [("bce_with_logits", 1), ("mse", 2), ("cross_entropy", 3), ("hinge", 1)])
def test_numba_backend_still_trains_models_whose_graph_is_fixed(loss, nout):
    """The check passes for MLPs, whose graph is the same for every input (also with a log that probes can leave)."""
    pytest.importorskip("numba")
    X, y = nn.make_blobs(30, centers=3, seed=0) if loss == "cross_entropy" else nn.make_moons(30, seed=0)
    if loss == "mse":
        y = np.column_stack([y, 1.0 - y])
    if loss == "hinge":
        y = 2.0 * y - 1.0
    history = nn.fit(MLP(2, [4, nout], seed=0), X, y, loss=loss, epochs=2, progress=False, backend="numba")
    assert history.epochs == 2


@pytest.mark.parametrize("stem", ["m" * 247, "\U0001f600" * 61], ids=["ascii", "emoji"])
@pytest.mark.parametrize("writer", WRITERS)
def test_a_file_name_near_the_length_limit_is_written(writer, stem, tmp_path):
    """A 250-byte name is valid (ASCII or 4-byte characters), so its temporary file must not make the write fail."""
    path = tmp_path / (stem + ".gv")
    _writer(writer)(path)
    assert os.listdir(tmp_path) == [path.name]
