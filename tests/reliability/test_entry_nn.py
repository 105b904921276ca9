"""Every public entry point of nn fed wrong types, wrong shapes, empty input and absurd hyperparameters.

Constructors (Neuron, Layer, MLP, Perceptron), losses, optimizers and schedulers,
fit, predict/accuracy, the data sets, save/load/to_torch. Each case must raise a
clear exception from nn's own code whose message names the argument. Sizes such as
10**12 are run under a budget (a counted stand-in for the allocation) so a
constructor that starts building instead of refusing fails fast, not after hours.
"""

import math

import numpy as np
import pytest

import nn
import nn.module
import nn.perceptron
import nn.validate
from autograd import Value
from nn import (MLP, SGD, Adam, CosineAnnealingLR, ExponentialLR, Layer, Neuron, Perceptron, StepLR,
                bce_with_logits, binary_cross_entropy, cross_entropy, hinge, l2_penalty, mse, softmax)
from tests.reliability import tally
from nn.validate import MAX_LAYERS, MAX_PARAMETERS, MAX_SAMPLES
from tests.reliability.helpers import Runaway, budget, refuses

CATEGORY = "bad input: nn"
X4, Y4 = nn.make_xor()


def case(id, call, errors, *words, marks=()):
    return pytest.param(call, errors, words, id=id, marks=marks)


def model(**kwargs):
    return MLP(2, [3, 1], seed=0, **kwargs)


def params():
    return model().parameters()


def fit(**kwargs):
    arguments = dict(model=model(), X=X4, y=Y4, loss="bce_with_logits", epochs=1, progress=False)
    arguments.update(kwargs)
    return nn.fit(**arguments)


CONSTRUCTOR_CASES = [
    case("Neuron nin 0", lambda: Neuron(0), ValueError, "nin"),
    case("Neuron nin -1", lambda: Neuron(-1), ValueError, "nin"),
    case("Neuron nin 1.5", lambda: Neuron(1.5), ValueError, "nin"),
    case("Neuron nin str", lambda: Neuron("2"), ValueError, "nin"),
    case("Neuron nin True", lambda: Neuron(True), ValueError, "nin"),
    case("Neuron nin None", lambda: Neuron(None), ValueError, "nin"),
    case("Neuron activation", lambda: Neuron(2, activation="softplus"), ValueError, "activation"),
    case("Neuron activation None", lambda: Neuron(2, activation=None), TypeError, "activation"),
    case("Neuron activation list", lambda: Neuron(2, activation=["tanh"]), TypeError, "activation"),
    case("Layer activation list", lambda: Layer(2, 2, activation=["tanh"]), TypeError, "activation"),
    case("Layer init list", lambda: Layer(2, 2, init=["he"]), TypeError, "init"),
    case("Neuron init", lambda: Neuron(2, init="normal"), ValueError, "init"),
    case("Neuron fan_out 0", lambda: Neuron(2, fan_out=0), ValueError, "fan_out"),
    case("Neuron seed str", lambda: Neuron(2, seed="abc"), TypeError, "seed"),
    case("Neuron seed True", lambda: Neuron(2, seed=True), TypeError, "seed"),
    case("Neuron seed list", lambda: Neuron(2, seed=[1, 2]), TypeError, "seed"),
    case("Layer nout 0", lambda: Layer(2, 0), ValueError, "nout"),
    case("Layer nout -3", lambda: Layer(2, -3), ValueError, "nout"),
    case("Layer seed 1.5", lambda: Layer(2, 2, seed=1.5), TypeError, "seed"),
    case("MLP nin 0", lambda: MLP(0, [1]), ValueError, "nin"),
    case("MLP sizes int", lambda: MLP(2, 3), TypeError, "sizes"),
    case("MLP sizes None", lambda: MLP(2, None), TypeError, "sizes"),
    case("MLP sizes empty", lambda: MLP(2, []), ValueError, "sizes"),
    case("MLP sizes 0", lambda: MLP(2, [0]), ValueError, "sizes"),
    case("MLP sizes -1", lambda: MLP(2, [4, -1]), ValueError, "sizes"),
    case("MLP sizes str", lambda: MLP(2, "abc"), (TypeError, ValueError), "sizes"),
    case("MLP sizes float", lambda: MLP(2, [2.5]), ValueError, "sizes"),
    case("MLP output_activation", lambda: MLP(2, [1], output_activation="step"), ValueError, "output_activation"),
    case("MLP activation dict", lambda: MLP(2, [1], activation={}), TypeError, "activation"),
    case("MLP output_activation list", lambda: MLP(2, [1], output_activation=[]), TypeError, "output_activation"),
    case("MLP init", lambda: MLP(2, [1], init=""), ValueError, "init"),
    case("MLP seed -1", lambda: MLP(2, [1], seed=-1), ValueError, "seed"),
    case("MLP seed float", lambda: MLP(2, [1], seed=0.5), TypeError, "seed"),
    case("Perceptron nin 0", lambda: Perceptron(0), ValueError, "nin"),
    case("Perceptron nin str", lambda: Perceptron("3"), ValueError, "nin"),
    case("model x wrong length", lambda: model()([1.0]), ValueError, "x"),
    case("model x batch", lambda: model()([[1.0, 2.0], [3.0, 4.0]]), (TypeError, ValueError), "x"),
    case("model x int", lambda: model()(3), TypeError, "x"),
    case("model x str entries", lambda: model()(["a", "b"]), TypeError, "x[0]"),
    case("model x None entry", lambda: model()([1.0, None]), TypeError, "x[1]"),
    case("train mode str", lambda: model().train("yes"), TypeError, "mode"),
]

LOSS_CASES = [
    case("mse empty", lambda: mse([], []), ValueError, "predictions"),
    case("mse length", lambda: mse([Value(1.0)], [1.0, 2.0]), ValueError, "targets"),
    case("mse nan target", lambda: mse([Value(1.0)], [math.nan]), ValueError, "targets"),
    case("mse str prediction", lambda: mse(["a"], [1.0]), TypeError, "predictions"),
    case("mse int predictions", lambda: mse(3, [1.0]), TypeError, "predictions"),
    case("mse None targets", lambda: mse([Value(1.0)], None), (TypeError, ValueError), "targets"),
    case("mse rows vs flat targets", lambda: mse([[Value(1.0), Value(2.0)]], [1.0]), ValueError, "targets"),
    case("mse ragged rows", lambda: mse([[Value(1.0), Value(2.0)], [Value(1.0)]], [[1, 2], [1, 2]]), ValueError,
         "predictions"),
    case("mse ragged targets", lambda: mse([[Value(1.0), Value(2.0)]], [[1.0, 2.0, 3.0], [1.0]]),
         (TypeError, ValueError), "targets"),
    case("mse str targets 2-D", lambda: mse([[Value(1.0), Value(2.0)]], "ab"), (TypeError, ValueError), "targets"),
    case("bce probability 1.5", lambda: binary_cross_entropy([Value(1.5)], [1]), ValueError, "probabilities"),
    case("bce probability nan", lambda: binary_cross_entropy([Value(math.nan)], [1]), ValueError, "probabilities"),
    case("bce target 2", lambda: binary_cross_entropy([Value(0.5)], [2]), ValueError, "targets"),
    case("bce_with_logits target -1", lambda: bce_with_logits([Value(0.5)], [-1]), ValueError, "targets"),
    case("bce_with_logits rows", lambda: bce_with_logits([[Value(0.5), Value(1.0)]], [1]), ValueError, "logits"),
    case("hinge 0/1 labels", lambda: hinge([Value(0.5), Value(1.0)], [0, 1]), ValueError, "targets"),
    case("hinge empty", lambda: hinge([], []), ValueError, "scores"),
    case("softmax empty", lambda: softmax([]), ValueError, "logits"),
    case("softmax int", lambda: softmax(3), TypeError, "logits"),
    case("softmax str scores", lambda: softmax(["a"]), TypeError, "logits"),
    case("cross_entropy one class", lambda: cross_entropy([[Value(1.0)]], [0]), ValueError, "2 scores"),
    case("cross_entropy class 3 of 2", lambda: cross_entropy([[Value(1.0), Value(2.0)]], [3]), ValueError,
         "targets"),
    case("cross_entropy class 0.5", lambda: cross_entropy([[Value(1.0), Value(2.0)]], [0.5]), ValueError,
         "targets"),
    case("cross_entropy ragged", lambda: cross_entropy([[Value(1.0), Value(2.0)], [Value(1.0)]], [0, 0]),
         ValueError, "logits"),
    case("cross_entropy flat", lambda: cross_entropy([Value(1.0), Value(2.0)], [0, 1]), TypeError, "logits"),
    case("l2_penalty empty", lambda: l2_penalty([]), ValueError, "params"),
    case("l2_penalty int", lambda: l2_penalty(3), TypeError, "params"),
]

OPTIM_CASES = [
    case("SGD params empty", lambda: SGD([], lr=0.1), ValueError, "params"),
    case("SGD params int", lambda: SGD(3, lr=0.1), TypeError, "params"),
    case("SGD params floats", lambda: SGD([1.0], lr=0.1), TypeError, "params[0]"),
    case("SGD params repeated", lambda: (lambda p: SGD(p + p, lr=0.1))(params()), ValueError, "params"),
    case("SGD model not params", lambda: SGD(model(), lr=0.1), TypeError, "params"),
    case("SGD lr inf", lambda: SGD(params(), lr=math.inf), ValueError, "lr"),
    case("SGD lr nan", lambda: SGD(params(), lr=math.nan), ValueError, "lr"),
    case("SGD lr -1", lambda: SGD(params(), lr=-1), ValueError, "lr"),
    case("SGD lr 0", lambda: SGD(params(), lr=0), ValueError, "lr"),
    case("SGD lr str", lambda: SGD(params(), lr="0.1"), TypeError, "lr"),
    case("SGD lr None", lambda: SGD(params(), lr=None), TypeError, "lr"),
    case("SGD lr True", lambda: SGD(params(), lr=True), TypeError, "lr"),
    case("SGD momentum 1", lambda: SGD(params(), lr=0.1, momentum=1.0), ValueError, "momentum"),
    case("SGD momentum -0.1", lambda: SGD(params(), lr=0.1, momentum=-0.1), ValueError, "momentum"),
    case("SGD momentum nan", lambda: SGD(params(), lr=0.1, momentum=math.nan), ValueError, "momentum"),
    case("SGD weight_decay inf", lambda: SGD(params(), lr=0.1, weight_decay=math.inf), ValueError, "weight_decay"),
    case("SGD weight_decay -1", lambda: SGD(params(), lr=0.1, weight_decay=-1), ValueError, "weight_decay"),
    case("Adam betas scalar", lambda: Adam(params(), betas=0.9), ValueError, "betas"),
    case("Adam betas triple", lambda: Adam(params(), betas=(0.9, 0.9, 0.9)), ValueError, "betas"),
    case("Adam beta1 1", lambda: Adam(params(), betas=(1.0, 0.999)), ValueError, "betas[0]"),
    case("Adam beta2 nan", lambda: Adam(params(), betas=(0.9, math.nan)), ValueError, "betas[1]"),
    case("Adam eps -1", lambda: Adam(params(), eps=-1e-8), ValueError, "eps"),
    case("Adam eps inf", lambda: Adam(params(), eps=math.inf), ValueError, "eps"),
    case("Adam eps 0", lambda: Adam(params(), eps=0.0), ValueError, "eps"),
    case("StepLR optimizer int", lambda: StepLR(3, step_size=1), TypeError, "optimizer"),
    case("StepLR step_size 0", lambda: StepLR(SGD(params(), lr=1.0), step_size=0), ValueError, "step_size"),
    case("StepLR step_size 1.5", lambda: StepLR(SGD(params(), lr=1.0), step_size=1.5), ValueError, "step_size"),
    case("StepLR gamma 0", lambda: StepLR(SGD(params(), lr=1.0), step_size=1, gamma=0), ValueError, "gamma"),
    case("StepLR gamma inf", lambda: StepLR(SGD(params(), lr=1.0), step_size=1, gamma=math.inf), ValueError,
         "gamma"),
    case("ExponentialLR gamma nan", lambda: ExponentialLR(SGD(params(), lr=1.0), gamma=math.nan), ValueError,
         "gamma"),
    case("Cosine T_max 0", lambda: CosineAnnealingLR(SGD(params(), lr=1.0), T_max=0), ValueError, "T_max"),
    case("Cosine eta_min above lr", lambda: CosineAnnealingLR(SGD(params(), lr=1.0), T_max=5, eta_min=2.0),
         ValueError, "eta_min"),
    case("Cosine eta_min nan", lambda: CosineAnnealingLR(SGD(params(), lr=1.0), T_max=5, eta_min=math.nan),
         ValueError, "eta_min"),
]


def scheduled(scheduler_class, **kwargs):
    scheduler = scheduler_class(SGD(params(), lr=1.0), **kwargs)
    for _ in range(60):
        scheduler.step()
    return scheduler.get_last_lr()


def step_with_grad(lr, grad):
    w = Value(1.0, label="w")
    optimizer = SGD([w], lr=lr)
    w.grad = grad
    optimizer.step()
    return w.data


RUNTIME_CASES = [
    case("SGD step with NaN grad", lambda: (lambda p: (setattr(p[0], "grad", math.nan), SGD(p, lr=0.1).step()))(
        params()), FloatingPointError, "gradient"),
    case("ExponentialLR overflows", lambda: scheduled(ExponentialLR, gamma=1e10), (ValueError, FloatingPointError),
         "gamma"),
    case("StepLR overflows", lambda: scheduled(StepLR, step_size=1, gamma=1e200), (ValueError, FloatingPointError),
         "gamma"),
    case("SGD step to inf", lambda: step_with_grad(1e308, 10.0), FloatingPointError, "lr"),
]

def custom_loss(predictions, targets):
    return mse(predictions, [0.0] * len(predictions))


FIT_CASES = [
    case("fit model int", lambda: fit(model=3), TypeError, "model"),
    case("fit Perceptron", lambda: fit(model=Perceptron(2)), TypeError, "Perceptron"),
    case("fit X str", lambda: fit(X="abc"), (TypeError, ValueError), "X"),
    case("fit X 1-D", lambda: fit(X=[1.0, 2.0]), ValueError, "X"),
    case("fit X empty", lambda: fit(X=np.zeros((0, 2)), y=[]), ValueError, "X"),
    case("fit X nan", lambda: fit(X=[[math.nan, 0.0]], y=[1]), ValueError, "X"),
    case("fit X inf", lambda: fit(X=[[math.inf, 0.0]], y=[1]), ValueError, "X"),
    case("fit X 3 columns", lambda: fit(X=np.zeros((4, 3))), ValueError, "X"),
    case("fit y short", lambda: fit(y=[0, 1]), ValueError, "y"),
    case("fit y 2 for bce", lambda: fit(y=[0, 1, 2, 0]), ValueError, "y"),
    case("fit y nan", lambda: fit(y=[0, 1, math.nan, 0], loss="mse"), ValueError, "y"),
    case("fit y str", lambda: fit(y=["a", "b", "c", "d"]), (TypeError, ValueError), "y"),
    case("fit y str custom loss", lambda: fit(y=["a", "b", "c", "d"], loss=custom_loss),
         (TypeError, ValueError), "y"),
    case("fit loss name", lambda: fit(loss="l1"), ValueError, "loss"),
    case("fit loss int", lambda: fit(loss=3), TypeError, "loss"),
    case("fit loss list", lambda: fit(loss=[]), TypeError, "loss"),
    case("fit optimizer name", lambda: fit(optimizer="rmsprop"), ValueError, "optimizer"),
    case("fit optimizer list", lambda: fit(optimizer=[]), TypeError, "optimizer"),
    case("fit optimizer of other params", lambda: fit(optimizer=SGD(params(), lr=0.1)), ValueError, "optimizer"),
    case("fit optimizer plus lr", lambda: (lambda m: fit(model=m, optimizer=SGD(m.parameters(), lr=0.1), lr=0.1))(
        model()), ValueError, "lr"),
    case("fit lr inf", lambda: fit(lr=math.inf), ValueError, "lr"),
    case("fit lr nan", lambda: fit(lr=math.nan), ValueError, "lr"),
    case("fit lr -1", lambda: fit(lr=-1.0), ValueError, "lr"),
    case("fit lr str", lambda: fit(lr="fast"), TypeError, "lr"),
    case("fit epochs 0", lambda: fit(epochs=0), ValueError, "epochs"),
    case("fit epochs -5", lambda: fit(epochs=-5), ValueError, "epochs"),
    case("fit epochs 2.5", lambda: fit(epochs=2.5), ValueError, "epochs"),
    case("fit epochs inf", lambda: fit(epochs=math.inf), ValueError, "epochs"),
    case("fit batch_size 0", lambda: fit(batch_size=0), ValueError, "batch_size"),
    case("fit batch_size -1", lambda: fit(batch_size=-1), ValueError, "batch_size"),
    case("fit l2 -1", lambda: fit(l2=-1.0), ValueError, "l2"),
    case("fit l2 nan", lambda: fit(l2=math.nan), ValueError, "l2"),
    case("fit l2 inf", lambda: fit(l2=math.inf), ValueError, "l2"),
    case("fit val int", lambda: fit(val=3), TypeError, "val"),
    case("fit val mismatched", lambda: fit(val=(X4, [0, 1])), ValueError, "val"),
    case("fit val bad labels", lambda: fit(val=(X4, [5, 5, 5, 5])), ValueError, "val[1]"),
    case("fit scheduler int", lambda: fit(scheduler=3), TypeError, "scheduler"),
    case("fit scheduler of another optimizer", lambda: fit(scheduler=StepLR(SGD(params(), lr=1.0), step_size=1)),
         ValueError, "scheduler"),
    case("fit progress str", lambda: fit(progress="no"), TypeError, "progress"),
    case("fit callbacks ints", lambda: fit(callbacks=[3]), TypeError, "callbacks"),
    case("fit backend name", lambda: fit(backend="cuda"), ValueError, "backend"),
    case("fit backend list", lambda: fit(backend=[]), TypeError, "backend"),
    case("fit numba custom loss", lambda: fit(backend="numba", loss=lambda p, t: mse(p, t)), ValueError, "loss"),
    case("fit seed str", lambda: fit(seed="abc", batch_size=2), TypeError, "seed"),
    case("fit seed -1 full batch", lambda: fit(seed=-1), ValueError, "seed"),
    case("fit y ragged custom loss", lambda: fit(y=[[0.0], [1.0, 2.0], [0.0], [1.0]], loss=custom_loss), TypeError,
         "y"),
    case("fit y nan custom loss", lambda: fit(y=[0.0, math.nan, 0.0, 1.0], loss=custom_loss), ValueError, "y"),
    case("fit y scalar", lambda: fit(y=5), ValueError, "y"),
]

PREDICT_CASES = [
    case("predict model int", lambda: nn.predict(3, X4), TypeError, "model"),
    case("predict X wrong columns", lambda: nn.predict(model(), [[1.0, 2.0, 3.0]]), ValueError, "X"),
    case("predict X empty", lambda: nn.predict(model(), []), ValueError, "X"),
    case("predict X nan", lambda: nn.predict(model(), [[math.nan, 1.0]]), ValueError, "X"),
    case("predict X complex", lambda: nn.predict(model(), [[1 + 1j, 0.0]]), TypeError, "X"),
    case("predict labels int", lambda: nn.predict(model(), X4, labels=5), TypeError, "labels"),
    case("predict labels triple", lambda: nn.predict(model(), X4, labels=(0, 1, 2)), ValueError, "labels"),
    case("predict labels equal", lambda: nn.predict(model(), X4, labels=(1, 1)), ValueError, "labels"),
    case("predict labels str", lambda: nn.predict(model(), X4, labels="ab"), ValueError, "labels"),
    case("predict_proba Perceptron", lambda: nn.predict_proba(Perceptron(2), X4), TypeError, "Perceptron"),
    case("accuracy y regression", lambda: nn.accuracy(model(), X4, [0.5, 0.1, 0.2, 0.3]), ValueError, "y"),
    case("accuracy y length", lambda: nn.accuracy(model(), X4, [0, 1]), ValueError, "y"),
    case("model_outputs model str", lambda: nn.model_outputs("mlp", X4), TypeError, "model"),
    case("Perceptron.fit lr inf", lambda: Perceptron(2).fit(X4, Y4, lr=math.inf), ValueError, "lr"),
    case("Perceptron.fit epochs 0", lambda: Perceptron(2).fit(X4, Y4, epochs=0), ValueError, "epochs"),
    case("Perceptron.fit -1/+1 labels", lambda: Perceptron(2).fit(X4, 2 * Y4 - 1), ValueError, "y"),
]

GENERATORS = [nn.make_moons, nn.make_circles, nn.make_blobs, nn.make_spiral, nn.make_xor, nn.make_and, nn.make_or]
DATA_CASES = [
    case(f"{g.__name__} n {n!r}", (lambda g=g, n=n: g(n)), ValueError, "n")
    for g in GENERATORS for n in (0, -1, 2.5, "10", None)
] + [
    case(f"{g.__name__} noise {noise!r}", (lambda g=g, noise=noise: g(10, noise=noise)), (TypeError, ValueError),
         "noise")
    for g in (nn.make_moons, nn.make_circles, nn.make_spiral, nn.make_xor) for noise in (-0.1, math.nan, math.inf, "x")
] + [
    case(f"{g.__name__} labels {labels!r}", (lambda g=g, labels=labels: g(labels=labels)), ValueError, "labels")
    for g in (nn.make_moons, nn.make_xor) for labels in ((0, 0), (0,), "ab", (0, 1.5), (True, False))
] + [
    case("make_circles factor 1", lambda: nn.make_circles(10, factor=1.0), ValueError, "factor"),
    case("make_blobs centers 0", lambda: nn.make_blobs(10, centers=0), ValueError, "centers"),
    case("make_blobs std inf", lambda: nn.make_blobs(10, std=math.inf), ValueError, "std"),
    case("make_spiral classes 0", lambda: nn.make_spiral(10, classes=0), ValueError, "classes"),
    case("make_moons seed str", lambda: nn.make_moons(10, seed="abc"), TypeError, "seed"),
    case("make_moons seed -1", lambda: nn.make_moons(10, seed=-1), ValueError, "seed"),
    case("make_spiral seed 1.5", lambda: nn.make_spiral(10, seed=1.5), TypeError, "seed"),
    case("split seed str", lambda: nn.train_test_split(X4, Y4, seed="x"), TypeError, "seed"),
    case("batches seed -1", lambda: list(nn.batches(X4, Y4, seed=-1)), ValueError, "seed"),
    case("split test_size 0", lambda: nn.train_test_split(X4, Y4, test_size=0.0), ValueError, "test_size"),
    case("split test_size 1", lambda: nn.train_test_split(X4, Y4, test_size=1.0), ValueError, "test_size"),
    case("split test_size nan", lambda: nn.train_test_split(X4, Y4, test_size=math.nan), ValueError, "test_size"),
    case("split test_size 0.99", lambda: nn.train_test_split(X4, Y4, test_size=0.99), ValueError, "test_size"),
    case("split y short", lambda: nn.train_test_split(X4, [0]), ValueError, "y"),
    case("split X str", lambda: nn.train_test_split("abc", [0]), (TypeError, ValueError), "X"),
    case("batches batch_size 0", lambda: list(nn.batches(X4, Y4, batch_size=0)), ValueError, "batch_size"),
    case("batches X empty", lambda: list(nn.batches([], [])), ValueError, "X"),
]

HUGE_DATA_CASES = [
    case(f"{g.__name__} n 10**12", (lambda g=g: g(10 ** 12)), ValueError, "n") for g in GENERATORS
] + [
    case(f"{g.__name__} n cap + 1", (lambda g=g: g(MAX_SAMPLES + 1)), ValueError, "n") for g in GENERATORS
] + [case("make_blobs centers 10**12", lambda: nn.make_blobs(10, centers=10 ** 12), ValueError, "centers")]

IO_CASES = [
    case("save model int", lambda: nn.save(3, "m.json"), TypeError, "models"),
    case("save path int", lambda: nn.save(model(), 3), TypeError, "PathLike"),
    case("load path None", lambda: nn.load(None), TypeError, "PathLike"),
    case("load a folder", lambda: nn.load("."), OSError, "."),
    case("load a missing file", lambda: nn.load("missing.json"), FileNotFoundError, "missing.json"),
    case("save to a missing folder", lambda: nn.save(model(), "/no/such/folder/m.json"), FileNotFoundError,
         "directory"),
    case("save NaN weights", lambda: (lambda m: (setattr(m.parameters()[0], "data", math.nan), nn.save(m, "m.json")))(
        model()), ValueError, "NaN"),
    case("to_torch Perceptron", lambda: nn.to_torch(Perceptron(2)), TypeError, "Perceptron"),
    case("to_torch int", lambda: nn.to_torch(3), TypeError, "to_torch"),
]


@pytest.mark.parametrize("call, errors, words", CONSTRUCTOR_CASES + LOSS_CASES + OPTIM_CASES + RUNTIME_CASES +
                         FIT_CASES + PREDICT_CASES + DATA_CASES + HUGE_DATA_CASES + IO_CASES)
def test_refused_with_a_clear_error(call, errors, words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    refuses(call, errors, *words)
    tally.record(CATEGORY, "wrong types, shapes, empty input, absurd hyperparameters refused clearly")


@pytest.mark.parametrize("build, module, patch, words", [
    (lambda: MLP(10 ** 12, [1]), nn.module, "initial_weights", ("nin",)),
    (lambda: Neuron(10 ** 12), nn.module, "initial_weights", ("nin",)),
    (lambda: Layer(2, 10 ** 12), nn.module, "initial_weights", ("nout",)),
    (lambda: MLP(2, [10 ** 9]), nn.module, "initial_weights", ("sizes",)),
    (lambda: MLP(2, [4] * 10 ** 5), nn.module, "initial_weights", ("sizes",)),
    (lambda: MLP(2, range(1, 10 ** 12)), nn.validate, "check_count", ("sizes",)),
    (lambda: MLP(10 ** 7, [1]), nn.module, "initial_weights", ("nin",)),  # MAX_PARAMETERS + 1
], ids=["MLP nin 1e12", "Neuron nin 1e12", "Layer nout 1e12", "MLP width 1e9", "MLP 1e5 layers", "MLP 1e12 layers",
        "MLP one parameter over the cap"])
def test_absurd_model_sizes_are_refused_before_building(build, module, patch, words, monkeypatch):
    huge = (lambda init, nin, nout, rng: nin * nout > 10 ** 7) if patch == "initial_weights" else None
    with budget(monkeypatch, module, patch, 10 ** 5, huge) as calls:
        try:
            refuses(build, ValueError, *words)
        except MemoryError as error:
            raise AssertionError(f"MemoryError from numpy instead of a refusal: {error}") from None
    assert calls[0] <= MAX_LAYERS + 1 if patch == "check_count" else calls[0] == 0
    tally.record(CATEGORY, "absurd model sizes refused before building")


def test_absurd_perceptron_is_refused_before_building(monkeypatch):
    with budget(monkeypatch, nn.perceptron, "Value", 10 ** 5) as calls:
        refuses(lambda: Perceptron(10 ** 12), ValueError, "nin")
    assert calls[0] == 0
    tally.record(CATEGORY, "absurd model sizes refused before building")


def test_models_at_the_caps_are_accepted_as_far_as_their_arithmetic(monkeypatch):
    """The caps are inclusive: exactly MAX_PARAMETERS parameters and MAX_LAYERS layers pass the size checks."""
    assert 10 ** 4 * (10 ** 3 - 1 + 1) == MAX_PARAMETERS
    with budget(monkeypatch, nn.module, "initial_weights", 0), pytest.raises(Runaway):
        MLP(10 ** 3 - 1, [10 ** 4])  # reaches the first draw: the size was accepted
    with budget(monkeypatch, nn.module, "initial_weights", 0), pytest.raises(Runaway):
        MLP(1, [1] * MAX_LAYERS)


def test_the_budget_itself_catches_a_runaway(monkeypatch):
    """The guard above is real: a loop of 1,000 layers trips it instead of running."""
    with budget(monkeypatch, nn.module, "initial_weights", 10), pytest.raises(Runaway):
        MLP(2, [2] * 1000)
    tally.record(CATEGORY, "runaway guard self-check")


@pytest.mark.parametrize("lr", [1e300, 1e-300])
def test_extreme_but_legal_learning_rates_train_or_fail_clearly(lr):
    """A finite lr is legal; training then either stays finite or raises FloatingPointError naming a parameter."""
    m = model()
    try:
        nn.fit(m, X4, Y4, loss="mse", optimizer="sgd", lr=lr, epochs=3, progress=False)
    except FloatingPointError as error:
        assert "parameter" in str(error) and "lr" in str(error)
    else:
        assert all(math.isfinite(p.data) for p in m.parameters())
    tally.record(CATEGORY, "extreme learning rates handled")


def test_a_layer_draws_each_weight_once(monkeypatch):
    drawn = []
    original = nn.module.initial_weights
    monkeypatch.setattr(nn.module, "initial_weights",
                        lambda init, nin, nout, rng: drawn.append(nin * nout) or original(init, nin, nout, rng))
    Layer(3, 50, seed=0)
    assert sum(drawn) <= 3 * 50, f"{sum(drawn)} random numbers drawn for 150 weights"
