"""Saving and loading: bit-exact round trips, atomic writes, every kind of bad file rejected by name."""

import json
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
from nn import MLP, Layer, ModelFileError, Neuron, Perceptron, load, save, to_torch
from nn.io import checksum

ARCHITECTURES = st.builds(
    MLP,
    nin=st.integers(1, 4),
    sizes=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    activation=st.sampled_from(["tanh", "relu", "sigmoid", "leaky_relu", "linear"]),
    output_activation=st.sampled_from(["linear", "sigmoid", "tanh"]),
    init=st.sampled_from(["xavier", "he", "uniform"]),
    seed=st.integers(0, 2 ** 32),
)


def bits(model):
    return [np.float64(p.data).tobytes() for p in model.parameters()]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ARCHITECTURES, st.floats(allow_nan=False, allow_infinity=False))
def test_round_trip_is_bit_exact(tmp_path, model, extreme):
    model.parameters()[0].data = extreme  # any finite float, subnormals and 1e308 included
    path = tmp_path / "model.json"
    model.save(path)
    loaded = load(path)
    assert type(loaded) is MLP and loaded.config() == model.config()
    assert bits(loaded) == bits(model)
    assert repr(loaded) == repr(model)


@pytest.mark.parametrize("model", [Layer(3, 2, activation="relu", seed=0), Neuron(2, activation="sigmoid", seed=0),
                                   Perceptron(3)], ids=["Layer", "Neuron", "Perceptron"])
def test_other_model_types_round_trip(tmp_path, model):
    model.parameters()[-1].data = 0.1
    save(model, tmp_path / "m.json")
    loaded = load(tmp_path / "m.json")
    assert type(loaded) is type(model) and bits(loaded) == bits(model)


def test_file_is_readable_json_with_format_version_and_checksum(tmp_path):
    save(MLP(2, [2, 1], seed=0), tmp_path / "m.json")
    document = json.loads((tmp_path / "m.json").read_text())
    assert document["format"] == "gradwalk.model" and document["version"] == 1
    assert document["checksum"] == checksum(document["model"]) and document["checksum"].startswith("sha256:")
    assert list(document["model"]["parameters"])[:3] == ["L0.N0.w0", "L0.N0.w1", "L0.N0.b"]


def test_write_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    save(MLP(2, [2, 1], seed=0), path)
    before = path.read_bytes()

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        save(MLP(2, [3, 1], seed=1), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.json"]  # no temporary file left behind


def good_file(tmp_path):
    path = tmp_path / "m.json"
    save(MLP(2, [2, 1], seed=0), path)
    return path


def rewrite(path, change):
    """Apply `change` to the parsed document and write it back with a valid checksum."""
    document = json.loads(path.read_text())
    change(document["model"])
    document["checksum"] = checksum(document["model"])
    path.write_text(json.dumps(document))


def flip_a_digit(path):
    text = path.read_text()
    key = '"L0.N0.w0": '
    start = text.index(key) + len(key)
    end = start + next(i for i, c in enumerate(text[start:]) if c.isdigit() and c not in "0")
    digit = text[end]
    path.write_text(text[:end] + str((int(digit) + 1) % 10) + text[end + 1:])


BAD_FILES = [
    ("truncated", lambda p: p.write_text(p.read_text()[: len(p.read_text()) // 2]), "not valid JSON"),
    ("empty", lambda p: p.write_text(""), "not valid JSON"),
    ("binary", lambda p: p.write_bytes(b"\x80\x81\xff"), "not a text file"),
    ("flipped digit", flip_a_digit, "checksum mismatch"),
    ("not an object", lambda p: p.write_text("[1, 2]"), "not a gradwalk model file"),
    ("other format", lambda p: p.write_text(p.read_text().replace("gradwalk.model", "keras")), "format is 'keras'"),
    ("newer version", lambda p: p.write_text(p.read_text().replace('"version": 1', '"version": 3')), "newer gradwalk"),
    ("bad version", lambda p: p.write_text(p.read_text().replace('"version": 1', '"version": "1"')), "positive integer"),
    ("no checksum", lambda p: p.write_text(json.dumps({k: v for k, v in json.loads(p.read_text()).items()
                                                         if k != "checksum"})), "missing the 'checksum'"),
    ("NaN weight", lambda p: p.write_text(p.read_text().replace('"L0.N0.b": 0.0', '"L0.N0.b": NaN')), "not valid JSON"),
    ("unknown type", lambda p: rewrite(p, lambda m: m.update(type="Transformer")), "model type 'Transformer'"),
    ("bad config", lambda p: rewrite(p, lambda m: m["config"].update(activation="gelu")),
     "config does not describe a valid MLP: activation must be one of"),
    ("missing weight", lambda p: rewrite(p, lambda m: m["parameters"].pop("L1.N0.b")), r"missing \['L1.N0.b'\]"),
    ("extra weight", lambda p: rewrite(p, lambda m: m["parameters"].update({"L2.N0.b": 0.0})), r"unexpected \['L2.N0.b'\]"),
    ("shape mismatch", lambda p: rewrite(p, lambda m: m["config"].update(sizes=[3, 1])), "missing"),
    ("string weight", lambda p: rewrite(p, lambda m: m["parameters"].update({"L0.N0.b": "0.5"})),
     "parameter L0.N0.b must be a finite number"),
]


@pytest.mark.parametrize("name, damage, message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_are_rejected_naming_the_file_and_problem(tmp_path, name, damage, message):
    path = good_file(tmp_path)
    damage(path)
    with pytest.raises(ModelFileError, match=message) as caught:
        load(path)
    assert str(path) in str(caught.value)


def labelled_file(tmp_path):
    """A version 2 file: a Layer named 'enc' (its labels differ from a fresh Layer's)."""
    path = tmp_path / "m.json"
    save(Layer(2, 2, name="enc", seed=0), path)
    return path


BAD_LABEL_FILES = [
    ("labels in a version 1 file", lambda m: m.update(labels={"L0.N0.b": "x"}), good_file, r"unknown field\(s\) \['labels'\]"),
    ("version 2 without labels", lambda m: m.pop("labels"), labelled_file, "missing the 'labels' field"),
    ("labels a list", lambda m: m.update(labels=["enc.N0.w0"]), labelled_file, "'labels' must be an object"),
    ("label of no parameter", lambda m: m["labels"].update({"N7.w0": "x"}), labelled_file, r"unknown parameters \['N7.w0'\]"),
    ("label a number", lambda m: m["labels"].update({"N0.b": 3}), labelled_file, r"not str for \['N0.b'\]"),
]


@pytest.mark.parametrize("name, damage, make, message", BAD_LABEL_FILES, ids=[b[0] for b in BAD_LABEL_FILES])
def test_bad_labels_are_rejected_naming_the_file_and_problem(tmp_path, name, damage, make, message):
    path = make(tmp_path)
    rewrite(path, damage)
    with pytest.raises(ModelFileError, match=message) as caught:
        load(path)
    assert str(path) in str(caught.value)


def test_a_version_1_file_reads_with_the_usual_labels(tmp_path):
    path = tmp_path / "m.json"
    payload = {"type": "Layer", "config": {"nin": 1, "nout": 1, "activation": "tanh", "init": "xavier"},
               "parameters": {"N0.w0": 0.25, "N0.b": -0.5}}
    path.write_text(json.dumps({"format": "gradwalk.model", "version": 1, "checksum": checksum(payload),
                                "model": payload}))
    loaded = load(path)
    assert [(p.label, p.data) for p in loaded.parameters()] == [("N0.w0", 0.25), ("N0.b", -0.5)]


def test_labels_are_saved_only_where_they_differ(tmp_path):
    model = MLP(2, [2, 1], seed=0)
    model.parameters()[4].label = "L0.N1.w1 (frozen)"
    save(model, tmp_path / "m.json")
    document = json.loads((tmp_path / "m.json").read_text())
    assert document["version"] == 2 and document["model"]["labels"] == {"L0.N1.w1": "L0.N1.w1 (frozen)"}
    assert load(tmp_path / "m.json").parameters()[4].label == "L0.N1.w1 (frozen)"


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nope.json")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save(MLP(2, [1]), tmp_path / "no" / "m.json")


def test_saving_non_finite_weights_is_refused(tmp_path):
    model = MLP(2, [1], seed=0)
    model.parameters()[1].data = float("nan")
    with pytest.raises(ValueError, match="parameter L0.N0.w1 is nan"):
        model.save(tmp_path / "m.json")
    assert not os.listdir(tmp_path)


torch_cases = [
    MLP(3, [5, 4, 2], activation="tanh", seed=0),
    MLP(2, [8, 1], activation="relu", output_activation="sigmoid", seed=1),
    MLP(2, [4, 1], activation="leaky_relu", init="he", seed=2),
    Layer(3, 2, activation="sigmoid", seed=3),
    Neuron(4, activation="linear", seed=4),
]


@pytest.mark.parametrize("model", torch_cases, ids=["mlp-tanh", "mlp-relu-sigmoid", "mlp-leaky", "layer", "neuron"])
def test_to_torch_gives_equal_outputs_and_gradients(model):
    torch = pytest.importorskip("torch")
    net = to_torch(model)
    X = np.random.default_rng(0).normal(size=(6, model.nin))
    theirs = net(torch.tensor(X))
    assert theirs.dtype == torch.float64
    ours = nn.model_outputs(model, X)
    assert np.allclose(ours, theirs.detach().numpy(), rtol=1e-13, atol=1e-15)
    out = model(X[0].tolist())
    (out if not isinstance(out, list) else out[0]).backward()
    net(torch.tensor(X[:1]))[0, 0].backward()
    torch_grads = [g for layer in net if hasattr(layer, "weight")
                   for w, b in zip(layer.weight.grad.tolist(), layer.bias.grad.tolist()) for g in w + [b]]
    assert np.allclose([p.grad for p in model.parameters()], torch_grads, rtol=1e-12, atol=1e-15)


def test_to_torch_refuses_the_perceptron():
    with pytest.raises(TypeError, match="step function"):
        to_torch(Perceptron(2))


@pytest.mark.parametrize("where, change", [
    ("the document", lambda d: d.update(note="hi")),
    ("'model'", lambda d: d["model"].update(note="hi")),
    ("the Neuron config", lambda d: d["model"]["config"].update(fan_out=10 ** 12)),
])
def test_unknown_fields_are_refused_naming_where(tmp_path, where, change):
    path = tmp_path / "m.json"
    save(Neuron(2, seed=0), path)
    document = json.loads(path.read_text())
    change(document)
    document["checksum"] = checksum(document["model"])
    path.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match=rf"unknown field\(s\) \['(note|fan_out)'\] in {where}"):
        load(path)


def test_a_large_model_loads_exactly(tmp_path):
    model = MLP(16, [128, 128, 1], seed=1)
    save(model, tmp_path / "big.json")
    assert bits(load(tmp_path / "big.json")) == bits(model)


@pytest.mark.parametrize("model", [MLP(3, [2, 4, 1], seed=0), Layer(2, 3, seed=0), Neuron(4, seed=0), Perceptron(2)],
                         ids=["MLP", "Layer", "Neuron", "Perceptron"])
def test_default_labels_are_the_labels_a_fresh_model_gets(model):
    from nn.io import default_labels

    assert list(default_labels(type(model).__name__, model.config())) == [p.label for p in model.parameters()]
