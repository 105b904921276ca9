"""Optimizers and schedules against torch.optim in float64: same parameters after 20 steps, to 1e-12."""

import math

import numpy as np
import pytest

from autograd import Value
from nn.optim import SGD, Adam, CosineAnnealingLR, ExponentialLR, StepLR, adam_rule, lerp, sgd_rule

torch = pytest.importorskip("torch")

STEPS = 20
START = [0.5, -1.5, 2.0, 0.0, -0.25]


def objective(w):
    """A non-quadratic function of 5 numbers (works on Values and on torch tensors alike)."""
    return (w[0] * w[1] - 1) ** 2 + (w[2] - 3) ** 4 + w[3].tanh() * w[4] + (w[4] * 2 + w[0]) ** 2


def train(params, read, make_optimizer, make_scheduler=None):
    """STEPS optimizer steps on `objective` (Values or tensors alike); the final numbers."""
    optimizer = make_optimizer(params)
    scheduler = make_scheduler(optimizer) if make_scheduler else None
    for _ in range(STEPS):
        optimizer.zero_grad()
        objective(params).backward()
        optimizer.step()
        if scheduler:
            scheduler.step()
    return [read(p) for p in params]


def run_ours(make_optimizer, make_scheduler=None):
    return train([Value(x) for x in START], lambda p: p.data, make_optimizer, make_scheduler)


def run_torch(make_optimizer, make_scheduler=None):
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    return train(params, lambda p: p.item(), make_optimizer, make_scheduler)


def assert_close(ours, theirs):
    for a, b in zip(ours, theirs):
        assert abs(a - b) <= 1e-12 * max(1.0, abs(b)), (ours, theirs)


SGD_SETTINGS = [
    dict(lr=0.01),
    dict(lr=0.01, momentum=0.9),
    dict(lr=0.005, weight_decay=0.1),
    dict(lr=0.01, momentum=0.5, weight_decay=0.01),
]


@pytest.mark.parametrize("settings", SGD_SETTINGS, ids=str)
def test_sgd_matches_torch(settings):
    ours = run_ours(lambda ps: SGD(ps, **settings))
    theirs = run_torch(lambda ps: torch.optim.SGD(ps, **settings))
    assert_close(ours, theirs)


ADAM_SETTINGS = [
    dict(lr=0.01),
    dict(lr=0.1, betas=(0.8, 0.99), eps=1e-6),
    dict(lr=0.05, weight_decay=0.1),
    dict(lr=0.05, betas=(0.3, 0.9)),  # 1 - beta1 > 0.5: torch.lerp's other branch
]


@pytest.mark.parametrize("settings", ADAM_SETTINGS, ids=str)
def test_adam_matches_torch(settings):
    ours = run_ours(lambda ps: Adam(ps, **settings))
    theirs = run_torch(lambda ps: torch.optim.Adam(ps, **settings))
    assert_close(ours, theirs)


SCHEDULES = [
    (lambda o: StepLR(o, step_size=3, gamma=0.5), lambda o: torch.optim.lr_scheduler.StepLR(o, 3, gamma=0.5)),
    (lambda o: ExponentialLR(o, gamma=0.9), lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)),
    (lambda o: CosineAnnealingLR(o, T_max=8, eta_min=0.001),
     lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=8, eta_min=0.001)),
]


@pytest.mark.parametrize("schedule", SCHEDULES, ids=["step", "exponential", "cosine"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_schedules_match_torch(schedule, optimizer):
    ours_schedule, torch_schedule = schedule
    if optimizer == "sgd":
        ours = run_ours(lambda ps: SGD(ps, lr=0.01, momentum=0.9), ours_schedule)
        theirs = run_torch(lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9), torch_schedule)
    else:
        ours = run_ours(lambda ps: Adam(ps, lr=0.05), ours_schedule)
        theirs = run_torch(lambda ps: torch.optim.Adam(ps, lr=0.05), torch_schedule)
    assert_close(ours, theirs)


@pytest.mark.parametrize("schedule", SCHEDULES, ids=["step", "exponential", "cosine"])
def test_schedule_learning_rates_match_torch_for_50_epochs(schedule):
    ours_schedule, torch_schedule = schedule
    ours = ours_schedule(SGD([Value(0.0)], lr=0.1))
    param = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([param], lr=0.1)
    theirs = torch_schedule(optimizer)
    for _ in range(50):
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr()[0], rel=1e-12, abs=1e-15)
        optimizer.step()
        ours.step()
        theirs.step()


def test_rules_on_floats_equal_rules_on_arrays():
    """The same formulas serve the Value path (floats) and an array path (numpy)."""
    p, g = np.array([0.5, -2.0]), np.array([0.1, 0.3])
    for i in range(2):
        new, buf = sgd_rule(p, g, None, 0.1, 0.9, 0.01, True)
        scalar, scalar_buf = sgd_rule(p[i].item(), g[i].item(), None, 0.1, 0.9, 0.01, True)
        assert new[i] == scalar and buf[i] == scalar_buf
        new, m, v = adam_rule(p, g, np.zeros(2), np.zeros(2), 1, 0.01, 0.9, 0.999, 1e-8, 0.0)
        scalar, sm, sv = adam_rule(p[i].item(), g[i].item(), 0.0, 0.0, 1, 0.01, 0.9, 0.999, 1e-8, 0.0)
        assert (new[i], m[i], v[i]) == (scalar, sm, sv)


def test_first_adam_step_is_lr_times_gradient_over_its_size():
    """Bias correction makes step 1 exactly lr * g / (|g| + eps): about lr, whatever the gradient's scale."""
    grads = [1e-3, -1e3, 0.25]
    params = [Value(1.0) for _ in grads]
    opt = Adam(params, lr=0.01)
    for p, g in zip(params, grads):
        p.grad = g
    opt.step()
    for p, g in zip(params, grads):
        assert p.data == pytest.approx(1.0 - 0.01 * g / (abs(g) + 1e-8), rel=1e-14)


def test_lerp_is_exact_at_both_ends():
    assert lerp(2.0, 5.0, 0.0) == 2.0 and lerp(2.0, 5.0, 1.0) == 5.0


@pytest.mark.parametrize("make, message", [
    (lambda ps: SGD(ps, lr=0.0), "lr must be a positive"),
    (lambda ps: SGD(ps, lr=-1), "lr must be a positive"),
    (lambda ps: SGD(ps, lr=math.nan), "lr must be a positive"),
    (lambda ps: SGD(ps, lr=0.1, momentum=1.0), "momentum must be in"),
    (lambda ps: SGD(ps, lr=0.1, weight_decay=-1), "weight_decay must be in"),
    (lambda ps: Adam(ps, betas=(0.9,)), "betas must be a pair"),
    (lambda ps: Adam(ps, betas=(1.0, 0.9)), r"betas\[0\] must be in"),
    (lambda ps: Adam(ps, eps=-1e-8), "eps must be a positive finite number"),
    (lambda ps: Adam(ps, eps=0.0), "eps must be a positive finite number"),
    (lambda ps: SGD([], lr=0.1), "params is empty"),
    (lambda ps: SGD(ps + ps, lr=0.1), "more than once"),
    (lambda ps: StepLR(SGD(ps, lr=0.1), step_size=0), "step_size must be a positive integer"),
    (lambda ps: CosineAnnealingLR(SGD(ps, lr=0.1), T_max=10, eta_min=1.0), "eta_min must be in"),
])
def test_bad_settings_name_the_argument(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make([Value(1.0), Value(2.0)])


def test_params_must_be_values():
    with pytest.raises(TypeError, match=r"params\[1\] must be a Value"):
        SGD([Value(1.0), 2.0], lr=0.1)
    with pytest.raises(TypeError, match="optimizer must be an nn.optim optimizer"):
        StepLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1), step_size=1)


def test_non_finite_gradient_is_an_error_naming_the_parameter():
    w = Value(1.0, label="L0.N0.w0")
    opt = SGD([w], lr=0.1)
    w.grad = math.inf
    with pytest.raises(FloatingPointError, match="L0.N0.w0"):
        opt.step()
    assert w.data == 1.0


@pytest.mark.parametrize("make_ours, make_theirs", [
    (lambda ps: SGD(ps, lr=0.01, momentum=0.9), lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9)),
    (lambda ps: Adam(ps, lr=0.05), lambda ps: torch.optim.Adam(ps, lr=0.05)),
], ids=["sgd momentum", "adam"])
def test_a_refused_step_changes_nothing(make_ours, make_theirs):
    """A step that would write inf raises FloatingPointError naming lr; the run then goes on as torch's without it."""
    params = [Value(x, label=f"w{i}") for i, x in enumerate(START)]
    optimizer = make_ours(params)
    for step in range(STEPS):
        optimizer.zero_grad()
        objective(params).backward()
        if step in (0, 7):
            lr, optimizer.lr = optimizer.lr, 1e308
            before = [p.data for p in params]
            with pytest.raises(FloatingPointError, match=r"parameter w\d to -?inf: lr=1e\+308 is too large"):
                optimizer.step()
            assert [p.data for p in params] == before
            optimizer.lr = lr
        optimizer.step()
    assert_close([p.data for p in params], run_torch(make_theirs))


def test_adam_with_a_tiny_eps_keeps_a_zero_gradient_finite():
    w = Value(1.0)
    opt = Adam([w], eps=1e-300)
    w.grad = 0.0
    opt.step()
    assert w.data == 1.0


@pytest.mark.parametrize("make", [lambda o: ExponentialLR(o, gamma=1e10), lambda o: StepLR(o, 1, gamma=1e200)],
                         ids=["exponential", "step"])
def test_a_schedule_that_overflows_names_gamma_and_keeps_the_last_lr(make):
    scheduler = make(SGD([Value(0.0)], lr=1.0))
    with pytest.raises(ValueError, match=r"gamma=\S+ makes the learning rate overflow at epoch \d+"):
        for _ in range(60):
            scheduler.step()
    epoch, lr = scheduler.epoch, scheduler.get_last_lr()
    assert lr == scheduler.lr_at(epoch) and math.isfinite(lr)
    with pytest.raises(ValueError, match="gamma"):
        scheduler.step()
    assert (scheduler.epoch, scheduler.get_last_lr()) == (epoch, lr)
