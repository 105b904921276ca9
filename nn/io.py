"""Saving and loading models as JSON, and converting them to PyTorch.

A model file is a JSON object::

    {"format": "gradwalk.model", "version": 1, "checksum": "sha256:<hex>",
     "model": {"type": "MLP", "config": {...}, "parameters": {"L0.N0.w0": 0.123, ...}}}

`config` holds the constructor arguments, `parameters` every weight by the label
a model built from `config` gives it, as an exact float repr (floats round-trip
bit for bit). Version 2 adds `labels`, {"L0.N0.w0": "my label", ...}, for the
parameters whose label differs from that one: a named Layer or Neuron, a layer
taken out of an MLP (model.layers[1] is a Layer whose weights read "L1.N0.w0"),
relabelled parameters. save writes the oldest version that holds the model, so
a file of a model with the usual labels is still version 1; load reads both.
The checksum is the SHA-256 of the canonical JSON of `model` (sorted keys, no
spaces), so an edit that still parses, such as one flipped digit, is caught.
Files are written atomically (nn.files.write_atomic: a temporary file in the
same directory, then os.replace), so a crash never leaves half a file, and a
replaced file keeps its permissions. Nothing is unpickled or executed on load.

Reading is strict: a field this version does not know (in the document, in
`model` or in `config`) is refused, since the format is versioned and a new field
comes with a new version. A file larger than MAX_FILE_BYTES (1 GiB, more than any
model under nn.validate.MAX_PARAMETERS takes) is refused before it is read whole,
and the config's size is checked before the model is built.

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
import inspect
import json
import math
import os
from itertools import islice, zip_longest
from numbers import Real

from .files import check_path, write_atomic
from .module import MLP, Layer, Module, Neuron
from .perceptron import Perceptron

FORMAT = "gradwalk.model"
VERSION = 2  # the newest version read and written; save writes the oldest one that holds the model
MODEL_TYPES = {cls.__name__: cls for cls in (MLP, Layer, Neuron, Perceptron)}
DOCUMENT_FIELDS = ("format", "version", "checksum", "model")
MODEL_FIELDS = {1: ("type", "config", "parameters"), 2: ("type", "config", "parameters", "labels")}
# config holds the constructor arguments that config() returns: the positional ones but the seed
CONFIG_FIELDS = {name: tuple(arg for arg, spec in inspect.signature(cls).parameters.items()
                             if spec.kind is spec.POSITIONAL_OR_KEYWORD and arg != "seed")
                 for name, cls in MODEL_TYPES.items()}
# A saved parameter takes at most ~60 bytes ("L9999.N9999999.w9999999": -2.2250738585072014e-308),
# so every model under nn.validate.MAX_PARAMETERS fits in a file of this size.
MAX_FILE_BYTES = 2 ** 30


class ModelFileError(ValueError):
    """A model file is truncated, corrupted, from a newer version, or does not describe a model."""


def checksum(payload: dict) -> str:
    """'sha256:' + the SHA-256 of the canonical JSON of `payload` (sorted keys, no spaces)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _neuron_labels(nin: int, prefix: str):
    yield from (f"{prefix}w{k}" for k in range(nin))
    yield f"{prefix}b"


def _layer_labels(nin: int, nout: int, prefix: str):
    for j in range(nout):
        yield from _neuron_labels(nin, f"{prefix}N{j}.")


def default_labels(kind: str, config: dict):
    """The labels a model of type `kind` built from `config` gives its parameters, in parameters() order.

    >>> list(default_labels("Layer", {"nin": 1, "nout": 2}))
    ['N0.w0', 'N0.b', 'N1.w0', 'N1.b']
    """
    if kind == "MLP":
        widths = [config["nin"]] + list(config["sizes"])
        for i in range(len(widths) - 1):
            yield from _layer_labels(widths[i], widths[i + 1], f"L{i}.")
    elif kind == "Layer":
        yield from _layer_labels(config["nin"], config["nout"], "")
    else:
        yield from _neuron_labels(config["nin"], "")


def _payload(model: Module) -> tuple:
    """(the model's JSON payload, the oldest format version that holds it)."""
    kind = type(model).__name__
    if kind not in MODEL_TYPES or MODEL_TYPES[kind] is not type(model):
        full = f"{type(model).__module__}.{type(model).__qualname__}"  # nn.micrograd's classes share nn's names
        raise TypeError(f"can only save nn's own {', '.join(MODEL_TYPES)} models, got {full}")
    config = model.config()
    parameters, labels = {}, {}
    for p, key in zip_longest(model.parameters(), default_labels(kind, config)):
        if p is None or key is None:
            raise ValueError(f"the model's parameters do not match its config {config} (were its layers or "
                             f"neurons changed after it was built?); build the model anew to save it")
        if not isinstance(p.label, str):
            raise TypeError(f"parameter {key} has the label {p.label!r}, a {type(p.label).__name__}; "
                            f"give it a str label to save the model")
        data = p.data
        if isinstance(data, bool) or not isinstance(data, Real) or not math.isfinite(data):
            shown = key if p.label == key else f"{key} (label {p.label!r})"
            raise ValueError(f"parameter {shown} is {data!r}; a model with NaN, infinite or non-number "
                             f"weights cannot be saved")
        parameters[key] = float(data)
        if p.label != key:
            labels[key] = p.label
    payload = {"type": kind, "config": config, "parameters": parameters}
    if labels:  # a named or extracted part, or relabelled parameters: only version 2 carries labels
        payload["labels"] = labels
        return payload, 2
    return payload, 1


def save(model: Module, path) -> None:
    """Write `model` (architecture and weights) to `path` as JSON, atomically."""
    check_path(path)
    payload, version = _payload(model)
    document = {"format": FORMAT, "version": version, "checksum": checksum(payload), "model": payload}
    text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    if len(text) > MAX_FILE_BYTES:  # load would refuse it
        raise ValueError(f"the model file would take {len(text):,} bytes, more than load() reads "
                         f"(nn.io.MAX_FILE_BYTES = {MAX_FILE_BYTES:,}); shorten the parameters' labels")
    write_atomic(path, text.encode("utf-8"), sync=True)


class _BadNumber(ValueError):
    """A number in the file that no float can hold."""


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _BadNumber(f"the number {text[:30]} is too large for a float")
    return number


def _reject_constant(name):
    raise _BadNumber(f"{name} is not a number JSON allows")


def _read_text(path: str) -> str:
    """The file's text, refusing files above MAX_FILE_BYTES before reading them whole."""
    with open(path, "rb") as handle:
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise ModelFileError(f"{path}: larger than {MAX_FILE_BYTES:,} bytes (nn.io.MAX_FILE_BYTES), more than the "
                             f"JSON of any model under the parameter cap; not a model saved by gradwalk")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelFileError(f"{path}: not a text file (not UTF-8); is it a model saved by gradwalk?") from None


def _parse(path: str, text: str):
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except _BadNumber as error:
        raise ModelFileError(f"{path}: not valid JSON for a model (a corrupted digit?): {error}") from None
    except RecursionError:
        raise ModelFileError(f"{path}: JSON nested too deeply to be a model file") from None
    except ValueError as error:
        raise ModelFileError(f"{path}: not valid JSON (truncated or corrupted?): {error}") from None


def _refuse_unknown(path: str, fields: dict, known, where: str, version: int) -> None:
    unknown = list(islice((key for key in fields if key not in known), 5))
    if unknown:
        raise ModelFileError(f"{path}: unknown field(s) {unknown} in {where}; a version {version} file holds only "
                             f"{', '.join(map(repr, known))}")


def _read_document(path: str) -> tuple:
    document = _parse(path, _read_text(path))
    if not isinstance(document, dict) or "format" not in document:
        raise ModelFileError(f"{path}: not a gradwalk model file (no 'format' field)")
    if document["format"] != FORMAT:
        raise ModelFileError(f"{path}: format is {document['format']!r}, expected {FORMAT!r}")
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ModelFileError(f"{path}: 'version' must be a positive integer, got {version!r}")
    if version > VERSION:
        raise ModelFileError(f"{path}: written by a newer gradwalk (format version {version}); "
                             f"this one reads versions 1 to {VERSION}: upgrade gradwalk")
    _refuse_unknown(path, document, DOCUMENT_FIELDS, "the document", version)
    for key in ("checksum", "model"):
        if key not in document:
            raise ModelFileError(f"{path}: missing the {key!r} field")
    if not isinstance(document["model"], dict):
        raise ModelFileError(f"{path}: 'model' must be an object")
    try:
        matches = document["checksum"] == checksum(document["model"])
    except (ValueError, RecursionError):
        matches = False
    if not matches:
        raise ModelFileError(f"{path}: checksum mismatch: the file was changed or corrupted after it was saved")
    _refuse_unknown(path, document["model"], MODEL_FIELDS[version], "'model'", version)
    if version >= 2 and "labels" not in document["model"]:
        raise ModelFileError(f"{path}: missing the 'labels' field of a version {version} model")
    return document["model"], version


def _parameter_value(path: str, name: str, value) -> float:
    """A weight from the file as a finite float, or ModelFileError."""
    number = math.nan
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an integer beyond the largest float
            pass
    if not math.isfinite(number):
        raise ModelFileError(f"{path}: parameter {name} must be a finite number, got {str(value)[:40]}")
    return number


def _labels(path: str, payload: dict, keys: set) -> dict:
    """The file's labels (parameter key -> label; version 2), checked, or ModelFileError."""
    labels = payload.get("labels", {})
    if not isinstance(labels, dict):
        raise ModelFileError(f"{path}: 'labels' must be an object")
    unknown = list(islice((key for key in labels if key not in keys), 5))
    wrong = list(islice((key for key, label in labels.items() if not isinstance(label, str)), 5))
    if unknown or wrong:
        raise ModelFileError(f"{path}: 'labels' must map parameters of the model to str labels: unknown "
                             f"parameters {unknown}, labels that are not str for {wrong}")
    return labels


def _build(path: str, payload: dict, version: int) -> Module:
    """The model the payload's type and config describe (with placeholder weights), or ModelFileError."""
    kind, config = payload.get("type"), payload.get("config")
    if not isinstance(kind, str) or kind not in MODEL_TYPES:
        raise ModelFileError(f"{path}: model type {kind!r} is not one of {', '.join(MODEL_TYPES)}")
    if not isinstance(config, dict):
        raise ModelFileError(f"{path}: 'config' must be an object")
    _refuse_unknown(path, config, CONFIG_FIELDS[kind], f"the {kind} config", version)
    try:
        return MODEL_TYPES[kind](**config) if kind == "Perceptron" else MODEL_TYPES[kind](**config, seed=0)
    except (TypeError, ValueError) as error:
        raise ModelFileError(f"{path}: config does not describe a valid {kind}: {error}") from None


def load(path) -> Module:
    """Read a model written by save(), checking format, version, checksum, architecture and weights."""
    path = os.fspath(path)
    payload, version = _read_document(path)
    parameters = payload.get("parameters")
    if not isinstance(parameters, dict):
        raise ModelFileError(f"{path}: 'parameters' must be an object")
    model = _build(path, payload, version)
    named = model.named_parameters()
    expected = {name for name, _ in named}
    missing = [name for name, _ in named if name not in parameters]
    extra = [name for name in parameters if name not in expected]
    if missing or extra:
        raise ModelFileError(f"{path}: parameters do not match a {payload['type']} with config "
                             f"{payload['config']}: missing {missing[:5]}, unexpected {extra[:5]}")
    labels = _labels(path, payload, expected)
    for name, p in named:
        p.data = _parameter_value(path, name, parameters[name])
        p.label = labels.get(name, name)
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
