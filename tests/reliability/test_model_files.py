"""Damaged, hostile and half-written model files: nn.load refuses each with ModelFileError, or loads the exact model.

* every prefix of a small file (truncation), every single-bit flip of it, every
  digit changed to another digit (still valid JSON: the checksum must catch it);
* wrong versions, wrong shapes, wrong types, huge and non-UTF-8 files, JSON bombs;
* a writer process killed with SIGKILL at random points (and right when its
  temporary file appears) while it saves a large model over an existing one: the
  file is always the old or the new complete model.
"""

import json
import math
import os
import random
import signal
import subprocess
import sys
import time

import pytest

import nn
import nn.module
import nn.perceptron
from nn import MLP, ModelFileError, load, save
from nn.io import checksum
from tests.reliability import tally
from tests.reliability.helpers import ROOT, budget

CATEGORY = "model files"


def small_model():
    """A small MLP whose weights include the extremes a file must carry exactly (1e300, 5e-324, -0.0)."""
    model = MLP(2, [3, 1], seed=0)
    params = model.parameters()
    params[0].data, params[1].data, params[2].data = 1e300, 5e-324, -0.0
    return model


def bits(model):
    return [math.copysign(1.0, p.data) * abs(p.data) for p in model.parameters()], \
        [float(p.data).hex() for p in model.parameters()]


@pytest.fixture
def saved(tmp_path):
    """(path, file bytes, the model's parameter bits)."""
    model = small_model()
    path = tmp_path / "model.json"
    save(model, path)
    return path, path.read_bytes(), bits(model)[1]


def outcome(path, original_bits):
    """'refused' (ModelFileError), 'identical' (loads the same model), or raises what it got."""
    try:
        loaded = load(path)
    except ModelFileError:
        return "refused"
    assert bits(loaded)[1] == original_bits, "a damaged file loaded as a DIFFERENT model"
    return "identical"


def write_document(path, model_payload, **top):
    document = {"format": "gradwalk.model", "version": 1, "checksum": checksum(model_payload),
                "model": model_payload}
    document.update(top)
    path.write_text(json.dumps(document))


def payload(saved_file):
    return json.loads(saved_file[1])["model"]


# -- every prefix, every bit, every digit -------------------------------------------------------


def test_every_truncation_is_refused(saved, tmp_path):
    path, data, original = saved
    damaged = tmp_path / "damaged.json"
    outcomes = []
    for cut in range(len(data)):
        damaged.write_bytes(data[:cut])
        outcomes.append(outcome(damaged, original))
    # Only cutting the final newline leaves the whole JSON document.
    assert outcomes.count("identical") <= 1 and outcomes[: len(data) - 1].count("refused") == len(data) - 1
    tally.record(CATEGORY, "truncated at every byte: refused", len(outcomes))


def test_every_single_bit_flip_is_refused_or_harmless(saved, tmp_path):
    path, data, original = saved
    damaged = tmp_path / "damaged.json"
    counts = {"refused": 0, "identical": 0}
    for position in range(len(data)):
        for bit in range(8):
            flipped = bytearray(data)
            flipped[position] ^= 1 << bit
            damaged.write_bytes(bytes(flipped))
            counts[outcome(damaged, original)] += 1  # anything but ModelFileError propagates
    tried = len(data) * 8
    tally.record(CATEGORY, "single-bit flips (every bit of every byte)", tried)
    assert sum(counts.values()) == tried and counts["refused"] > 0.9 * tried


def test_every_digit_changed_is_caught_by_the_checksum(saved, tmp_path):
    path, data, original = saved
    text = data.decode()
    start = text.index('"model"')
    damaged = tmp_path / "damaged.json"
    tried = overflowed = same = 0
    for position in range(start, len(text)):
        if not text[position].isdigit():
            continue
        for replacement in "0123456789":
            if replacement == text[position]:
                continue
            changed = text[:position] + replacement + text[position + 1:]
            json.loads(changed)  # still valid JSON
            damaged.write_text(changed)
            tried += 1
            try:
                load(damaged)
            except ModelFileError as error:
                if "too large for a float" in str(error):  # 1e+300 -> 1e+700 parses to inf
                    overflowed += 1
                else:
                    assert "checksum" in str(error)
            else:  # 4e-324 and 6e-324 are the same double as 5e-324: the same model, so the same checksum
                assert outcome(damaged, original) == "identical"
                same += 1
    assert tried > 100 and same <= 16 and overflowed > 0
    tally.record(CATEGORY, "a digit changed, still valid JSON: checksum refuses", tried)
    tally.record(CATEGORY, "... of which overflow a float (1e+700): refused as such",
                 overflowed)
    tally.record(CATEGORY, "... of which parse to the very same numbers (5e-324 -> 4e-324)", same)


@pytest.mark.parametrize("old, new", [(b"1e+300", b"1e+700"), (b"1e+300", b"-1e999"),
                                      (b"5e-324", b"1" + b"0" * 400 + b".0")])
def test_a_weight_that_parses_to_infinity_is_a_model_file_error(saved, tmp_path, old, new):
    path, data, _ = saved
    damaged = tmp_path / "damaged.json"
    damaged.write_bytes(data.replace(old, new, 1))
    with pytest.raises(ModelFileError, match="too large for a float"):
        load(damaged)
    tally.record(CATEGORY, "numbers beyond the floats refused")


# -- wrong versions, shapes, types --------------------------------------------------------------


@pytest.mark.parametrize("version", [0, -1, 2, 10 ** 30, "1", True, 1.5, None, [1]])
def test_wrong_versions_are_refused(saved, tmp_path, version):
    document = json.loads(saved[1])
    document["version"] = version
    damaged = tmp_path / "damaged.json"
    damaged.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match="version"):
        load(damaged)
    tally.record(CATEGORY, "wrong versions refused")


def edit(change):
    def apply(model_payload):
        change(model_payload)
        return model_payload
    return apply


SHAPE_CASES = {
    "sizes changed": edit(lambda m: m["config"].update(sizes=[4, 1])),
    "nin changed": edit(lambda m: m["config"].update(nin=3)),
    "nin 0": edit(lambda m: m["config"].update(nin=0)),
    "nin -1": edit(lambda m: m["config"].update(nin=-1)),
    "nin str": edit(lambda m: m["config"].update(nin="2")),
    "sizes str": edit(lambda m: m["config"].update(sizes="31")),
    "unknown activation": edit(lambda m: m["config"].update(activation="swish")),
    "activation list": edit(lambda m: m["config"].update(activation=["tanh"])),
    "extra config key": edit(lambda m: m["config"].update(dropout=0.5)),
    "config a list": edit(lambda m: m.update(config=[2, [3, 1]])),
    "parameters a list": edit(lambda m: m.update(parameters=list(m["parameters"].values()))),
    "a parameter missing": edit(lambda m: m["parameters"].pop("L0.N0.w0")),
    "a parameter extra": edit(lambda m: m["parameters"].update({"L9.N9.w9": 1.0})),
    "a parameter str": edit(lambda m: m["parameters"].update({"L0.N0.w0": "0.5"})),
    "a parameter null": edit(lambda m: m["parameters"].update({"L0.N0.w0": None})),
    "a parameter bool": edit(lambda m: m["parameters"].update({"L0.N0.w0": True})),
    "a parameter list": edit(lambda m: m["parameters"].update({"L0.N0.w0": [0.5]})),
    "unknown type": edit(lambda m: m.update(type="Transformer")),
    "type Module": edit(lambda m: m.update(type="Module")),
    "no type": edit(lambda m: m.pop("type")),
    "type a list": edit(lambda m: m.update(type=["MLP"])),
    "type a dict": edit(lambda m: m.update(type={"MLP": 1})),
    "a parameter 10**400": edit(lambda m: m["parameters"].update({"L0.N0.w0": 10 ** 400})),
    "a parameter -10**400": edit(lambda m: m["parameters"].update({"L0.N0.w0": -10 ** 400})),
    "unknown field in model": edit(lambda m: m.update(comment="hi")),
    "config with a seed": edit(lambda m: m["config"].update(seed=1)),
    "config with a name": edit(lambda m: m["config"].update(name="x")),
    "config missing sizes": edit(lambda m: m["config"].pop("sizes")),
    "sizes too many layers": edit(lambda m: m["config"].update(sizes=[1] * 10 ** 4 + [1])),
    "sizes nested": edit(lambda m: m["config"].update(sizes=[[3], 1])),
}


@pytest.mark.parametrize("change", list(SHAPE_CASES.values()), ids=list(SHAPE_CASES))
def test_wrong_shapes_and_types_with_a_valid_checksum_are_refused(saved, tmp_path, change):
    damaged = tmp_path / "damaged.json"
    write_document(damaged, change(payload(saved)))
    with pytest.raises(ModelFileError):
        load(damaged)
    tally.record(CATEGORY, "wrong shapes and types (valid checksum) refused")


@pytest.mark.parametrize("model_payload, module, name", [
    ({"type": "MLP", "config": {"nin": 10 ** 12, "sizes": [1]}, "parameters": {}}, nn.module, "initial_weights"),
    ({"type": "MLP", "config": {"nin": 2, "sizes": [10 ** 9]}, "parameters": {}}, nn.module, "initial_weights"),
    ({"type": "Perceptron", "config": {"nin": 10 ** 12}, "parameters": {}}, nn.perceptron, "Value"),
    ({"type": "Layer", "config": {"nin": 2, "nout": 10 ** 12}, "parameters": {}}, nn.module, "initial_weights"),
    ({"type": "Neuron", "config": {"nin": 10 ** 12}, "parameters": {}}, nn.module, "initial_weights"),
], ids=["MLP nin 1e12", "MLP width 1e9", "Perceptron nin 1e12", "Layer nout 1e12", "Neuron nin 1e12"])
def test_a_file_describing_an_absurd_model_is_refused_before_building(tmp_path, monkeypatch, model_payload, module,
                                                                       name):
    damaged = tmp_path / "damaged.json"
    write_document(damaged, model_payload)
    huge = (lambda init, nin, nout, rng: nin * nout > 10 ** 7) if name == "initial_weights" else None
    with budget(monkeypatch, module, name, 10 ** 5, huge) as calls:
        try:
            with pytest.raises(ModelFileError, match="cap"):
                load(damaged)
        except MemoryError as error:
            raise AssertionError(f"MemoryError from numpy: {error}") from None
    assert calls[0] == 0
    tally.record(CATEGORY, "absurd models described by a valid file refused before building")


# -- not even JSON, not UTF-8, huge, bombs ------------------------------------------------------


@pytest.mark.parametrize("content", [
    b"", b"null", b"[]", b"{}", b'"gradwalk.model"', b"\x00" * 64, bytes(range(256)),
    b"\xef\xbb\xbf" + b'{"format": "gradwalk.model"}',
    '{"format": "gradwalk.model"}'.encode("utf-16"),
    '{"format": "gradwalk.m\u00f6del"}'.encode("latin-1"),
    b'{"format": "gradwalk.model", "version": 1, "checksum": "x", "model": {"a": NaN}}',
    b'{"format": "gradwalk.model", "version": 1, "checksum": "x", "model": {"a": -Infinity}}',
    b'{"format": "gradwalk.model", "version": 1, "checksum": "x", "model": []}',
    b'{"format": "gradwalk.model", "version": 1, "model": {}}',
    b'{"format": "gradwalk.model", "version": 1, "checksum": "x"}',
    b'{"format": "pickle", "version": 1}',
    b"\x80\x04\x95" + b"pickle-like bytes",
], ids=["empty", "null", "list", "empty object", "string", "NULs", "all bytes", "BOM", "UTF-16", "latin-1",
        "NaN literal", "Infinity literal", "model a list", "no checksum", "no model", "other format", "pickle"])
def test_files_that_are_not_model_files_are_refused(tmp_path, content):
    damaged = tmp_path / "damaged.json"
    damaged.write_bytes(content)
    with pytest.raises(ModelFileError):
        load(damaged)
    tally.record(CATEGORY, "not JSON / not UTF-8 / not a model file: refused")


def test_a_huge_file_of_junk_is_refused(tmp_path):
    damaged = tmp_path / "huge.json"
    damaged.write_bytes(b" " * (20 * 2 ** 20) + b"{")
    with pytest.raises(ModelFileError, match="JSON"):
        load(damaged)
    tally.record(CATEGORY, "huge files (20 MB) refused")


def test_300000_extra_parameters_with_a_valid_checksum_are_refused(saved, tmp_path):
    model_payload = payload(saved)
    model_payload["parameters"].update({f"junk{i}": 0.0 for i in range(3 * 10 ** 5)})
    damaged = tmp_path / "bomb.json"
    write_document(damaged, model_payload)
    with pytest.raises(ModelFileError, match="unexpected"):
        load(damaged)
    tally.record(CATEGORY, "JSON key bombs refused")


@pytest.mark.parametrize("opening, closing", [(b"[", b"]"), (b'{"a":', b"}")], ids=["arrays", "objects"])
@pytest.mark.parametrize("where", ["top", "model"])
def test_a_deeply_nested_json_bomb_is_refused(tmp_path, opening, closing, where):
    damaged = tmp_path / "bomb.json"
    bomb = opening * 100_000 + b"1" + closing * 100_000
    if where == "model":
        bomb = b'{"format": "gradwalk.model", "version": 1, "checksum": "x", "model": {"type": ' + bomb + b"}}"
    damaged.write_bytes(bomb)
    with pytest.raises(ModelFileError, match="nested too deeply"):
        load(damaged)
    tally.record(CATEGORY, "JSON nesting bombs refused")


def test_a_key_bomb_beside_a_valid_model_is_refused(saved, tmp_path):
    document = json.loads(saved[1])
    document.update({f"k{i}": i for i in range(10 ** 6)})
    damaged = tmp_path / "bomb.json"
    damaged.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match=r"unknown field\(s\) \['k0', 'k1', 'k2', 'k3', 'k4'\]"):
        load(damaged)
    tally.record(CATEGORY, "JSON key bombs refused")


def test_one_unknown_top_level_field_is_refused(saved, tmp_path):
    """Unknown fields are refused even when harmless: a field version 1 does not know needs a new version."""
    document = json.loads(saved[1])
    document["saved_by"] = "someone"
    damaged = tmp_path / "extra.json"
    damaged.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match="unknown field.*'saved_by'"):
        load(damaged)


def test_a_file_above_the_size_cap_is_refused_before_it_is_read_whole(saved, tmp_path, monkeypatch):
    import nn.io

    path, data, original = saved
    monkeypatch.setattr(nn.io, "MAX_FILE_BYTES", len(data) - 1)
    with pytest.raises(ModelFileError, match="MAX_FILE_BYTES"):
        load(path)
    monkeypatch.setattr(nn.io, "MAX_FILE_BYTES", len(data))
    assert outcome(path, original) == "identical"
    tally.record(CATEGORY, "files above MAX_FILE_BYTES refused")


def test_the_file_size_cap_holds_the_largest_model_the_parameter_cap_allows():
    """MAX_FILE_BYTES covers MAX_PARAMETERS lines of the longest label and the longest float repr."""
    import nn.io
    from nn.validate import MAX_LAYERS, MAX_PARAMETERS

    label = f"L{MAX_LAYERS - 1}.N{MAX_PARAMETERS - 1}.w{MAX_PARAMETERS - 1}"
    line = json.dumps({"model": {"parameters": {label: -2.2250738585072014e-308}}}, indent=1).splitlines()[3]
    assert (len(line) + 2) * MAX_PARAMETERS + 10 ** 6 < nn.io.MAX_FILE_BYTES


# -- a crash in the middle of a write -----------------------------------------------------------

WRITER = r"""
import os, sys
sys.path.insert(0, sys.argv[1])
import nn
path, naive = sys.argv[2], sys.argv[3] == "naive"
models = [nn.MLP(16, [128, 128, 1], seed=seed) for seed in (1, 2)]  # KILL_SIZES
texts = []
if naive:  # the control: writing in place, which the test must catch
    for m in models:
        nn.save(m, path + ".staging")
        texts.append(open(path + ".staging").read())
print("ready", flush=True)
i = 0
while True:
    if naive:
        with open(path, "w") as f:
            text = texts[i % 2]
            for start in range(0, len(text), 4096):
                f.write(text[start:start + 4096])
                f.flush()
    else:
        nn.save(models[i % 2], path)
    i += 1
"""


KILL_SIZES = [16, [128, 128, 1]]  # 18,817 parameters, a 0.6 MB file


def expected_files(folder):
    """The exact bytes save() writes for the writer's two models (saving is deterministic)."""
    files = []
    for seed in (1, 2):
        path = folder / f"expected{seed}.json"
        save(MLP(*KILL_SIZES, seed=seed), path)
        files.append(path.read_bytes())
        path.unlink()
    return files


def kill_while_writing(path, naive, rng, wait_for_temp):
    """Start a writer saving over `path` forever, SIGKILL it, and report what is left."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, ROOT, str(path), "naive" if naive else "atomic"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
        if wait_for_temp:  # kill right when a temporary file appears: inside save's write/fsync/rename
            deadline = 2000
            while deadline and not any(name.endswith(".tmp") for name in os.listdir(path.parent)):
                deadline -= 1
                time.sleep(0.0005)
            time.sleep(rng.uniform(0.0, 0.002))
        else:
            time.sleep(rng.uniform(0.0, 0.25))
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    leftovers = [name for name in os.listdir(path.parent) if name.endswith(".tmp")]
    for name in leftovers:
        os.unlink(path.parent / name)
    return leftovers


def test_a_writer_killed_mid_write_leaves_the_old_or_the_new_model(tmp_path):
    rng = random.Random(0)
    folder = tmp_path / "models"
    folder.mkdir()
    old, new = expected_files(tmp_path)
    path = folder / "model.json"
    path.write_bytes(old)
    seen = {"old": 0, "new": 0}
    inside = 0
    kills = 10
    for i in range(kills):
        leftovers = kill_while_writing(path, naive=False, rng=rng, wait_for_temp=i % 2 == 1)
        inside += bool(leftovers)
        now = path.read_bytes()
        assert now in (old, new), f"after kill {i + 1} the file is neither model ({len(now)} bytes)"
        seen["old" if now == old else "new"] += 1
    assert outcome(path, bits(MLP(*KILL_SIZES, seed=1 if now == old else 2))[1]) == "identical"
    tally.record(CATEGORY, "writer SIGKILLed while saving: file is the old or new model", kills)
    tally.record(CATEGORY, "... of which killed with its temporary file on disk", inside)
    tally.metric("model file rewritten under SIGKILL", f"{len(old) // 1024} KiB, {18817} parameters")


def test_the_kill_harness_catches_a_writer_that_writes_in_place(tmp_path):
    """Control: the same kills against a naive in-place writer leave a torn file, so the check has teeth."""
    rng = random.Random(1)
    folder = tmp_path / "models"
    folder.mkdir()
    old, new = expected_files(tmp_path)
    path = folder / "model.json"
    path.write_bytes(old)
    for attempt in range(1, 6):
        kill_while_writing(path, naive=True, rng=rng, wait_for_temp=False)
        if path.read_bytes() not in (old, new):
            with pytest.raises(ModelFileError):
                load(path)
            tally.record(CATEGORY, "control: in-place writer caught torn", 1)
            return
    pytest.fail("five kills of an in-place writer never left a torn file: the harness cannot see tearing")
