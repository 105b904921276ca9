"""Saving and loading models as JSON, and converting them to PyTorch.

A model file is a JSON object::

    {"format": "gradwalk.model", "version": 1, "checksum": "sha256:<hex>",
     "model": {"type": "MLP", "config": {...}, "parameters": {"L0.N0.w0": 0.123, ...}}}

`config` holds the constructor arguments, `parameters` every weight by its label
as an exact float repr (floats round-trip bit for bit). The checksum is the
SHA-256 of the canonical JSON of `model` (sorted keys, no spaces), so an edit that
still parses, such as one flipped digit, is caught. Files are written atomically
(a temporary file in the same directory, then os.replace), so a crash never
leaves half a file. Nothing is unpickled or executed on load.

>>> import os, tempfile
>>> from nn import MLP
>>> model = MLP(2, [3, 1], seed=0)
>>> path = os.path.join(tempfile.mkdtemp(), "model.json")
>>> save(model, path)
>>> same = load(path)
>>> [p.data for p in same.parameters()] == [p.data for p in model.parameters()]
True
"""

import hashlib
import json
import math
import os
import tempfile

from .module import MLP, Layer, Module, Neuron
from .perceptron import Perceptron

FORMAT = "gradwalk.model"
VERSION = 1
MODEL_TYPES = {cls.__name__: cls for cls in (MLP, Layer, Neuron, Perceptron)}


class ModelFileError(ValueError):
    """A model file is truncated, corrupted, from a newer version, or does not describe a model."""


def checksum(payload: dict) -> str:
    """'sha256:' + the SHA-256 of the canonical JSON of `payload` (sorted keys, no spaces)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _payload(model: Module) -> dict:
    if type(model).__name__ not in MODEL_TYPES or MODEL_TYPES[type(model).__name__] is not type(model):
        raise TypeError(f"can only save {', '.join(MODEL_TYPES)} models, got {type(model).__name__}")
    named = model.named_parameters()
    parameters = dict(named)
    if len(parameters) != len(named):
        raise ValueError("parameter labels must be unique to save a model; do not relabel parameters")
    for name, p in named:
        if not math.isfinite(p.data):
            raise ValueError(f"parameter {name} is {p.data!r}; a model with NaN or infinite weights cannot be saved")
    return {"type": type(model).__name__, "config": model.config(),
            "parameters": {name: p.data for name, p in named}}


def save(model: Module, path) -> None:
    """Write `model` (architecture and weights) to `path` as JSON, atomically."""
    payload = _payload(model)
    document = {"format": FORMAT, "version": VERSION, "checksum": checksum(payload), "model": payload}
    text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save to {path}: directory {directory} does not exist")
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=directory, delete=False,
                                         prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        os.unlink(handle.name)
        raise


def _reject_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


def _read_document(path: str) -> dict:
    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise ModelFileError(f"{path}: not a text file (not UTF-8); is it a model saved by gradwalk?") from None
    except ValueError as error:
        raise ModelFileError(f"{path}: not valid JSON (truncated or corrupted?): {error}") from None
    if not isinstance(document, dict) or "format" not in document:
        raise ModelFileError(f"{path}: not a gradwalk model file (no 'format' field)")
    if document["format"] != FORMAT:
        raise ModelFileError(f"{path}: format is {document['format']!r}, expected {FORMAT!r}")
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ModelFileError(f"{path}: 'version' must be a positive integer, got {version!r}")
    if version > VERSION:
        raise ModelFileError(f"{path}: written by a newer gradwalk (format version {version}); "
                             f"this one reads version {VERSION}: upgrade gradwalk")
    for key in ("checksum", "model"):
        if key not in document:
            raise ModelFileError(f"{path}: missing the {key!r} field")
    if not isinstance(document["model"], dict):
        raise ModelFileError(f"{path}: 'model' must be an object")
    if document["checksum"] != checksum(document["model"]):
        raise ModelFileError(f"{path}: checksum mismatch: the file was changed or corrupted after it was saved")
    return document["model"]


def load(path) -> Module:
    """Read a model written by save(), checking format, version, checksum, architecture and weights."""
    path = os.fspath(path)
    payload = _read_document(path)
    kind, config, parameters = payload.get("type"), payload.get("config"), payload.get("parameters")
    if kind not in MODEL_TYPES:
        raise ModelFileError(f"{path}: model type {kind!r} is not one of {', '.join(MODEL_TYPES)}")
    if not isinstance(config, dict) or not isinstance(parameters, dict):
        raise ModelFileError(f"{path}: 'config' and 'parameters' must be objects")
    try:
        model = MODEL_TYPES[kind](**config) if kind == "Perceptron" else MODEL_TYPES[kind](**config, seed=0)
    except (TypeError, ValueError) as error:
        raise ModelFileError(f"{path}: config does not describe a valid {kind}: {error}") from None
    expected = [name for name, _ in model.named_parameters()]
    missing = [name for name in expected if name not in parameters]
    extra = [name for name in parameters if name not in set(expected)]
    if missing or extra:
        raise ModelFileError(f"{path}: parameters do not match a {kind} with config {config}: "
                             f"missing {missing[:5]}, unexpected {extra[:5]}")
    for name, p in model.named_parameters():
        value = parameters[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ModelFileError(f"{path}: parameter {name} must be a finite number, got {value!r}")
        p.data = float(value)
    return model


def _linear_layers(model):
    if isinstance(model, MLP):
        return model.layers
    if isinstance(model, (Layer, Neuron)):
        return [model]
    raise TypeError(f"to_torch converts MLP, Layer and Neuron models, got {type(model).__name__}"
                    + (" (the step function has no torch module)" if isinstance(model, Perceptron) else ""))


def to_torch(model):
    """An equivalent torch.nn.Sequential in float64 (Linear + activation per layer); needs PyTorch."""
    layers = _linear_layers(model)
    try:
        import torch
    except ImportError:
        raise ImportError("to_torch needs PyTorch: pip install torch") from None
    activations = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid,
                   "leaky_relu": lambda: torch.nn.LeakyReLU(0.01)}
    modules = []
    for layer in layers:
        neurons = layer.neurons if isinstance(layer, Layer) else [layer]
        linear = torch.nn.Linear(layer.nin, len(neurons), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in neurons], dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=torch.float64))
        modules.append(linear)
        if layer.activation != "linear":
            modules.append(activations[layer.activation]())
    return torch.nn.Sequential(*modules)
