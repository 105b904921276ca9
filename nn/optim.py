"""Optimizers (SGD, Adam) and learning-rate schedules, matching torch.optim's update rules.

The update rules are plain functions of floats or numpy arrays (`sgd_rule`,
`adam_rule`), written with the same floating-point operations in the same order
as torch.optim's single-tensor code, so 20 steps agree with torch float64 to
rounding. An optimizer gathers its flat list of parameters into arrays, applies
its rule, and writes the results back; an array-based training path can call
`optimizer.checked_update(values, grads)` directly. A step that meets a NaN or
infinite gradient, or would write one, raises FloatingPointError and changes nothing.

>>> from autograd import Value
>>> w = Value(1.0)
>>> opt = SGD([w], lr=0.1)
>>> (w * w).backward()  # d(w^2)/dw = 2
>>> opt.step()
>>> w.data
0.8
"""

import math

import numpy as np

from autograd import Value

from .validate import check_positive, check_range


def lerp(start, end, weight: float):
    """start + weight * (end - start), computed as torch.lerp does (the exact form depends on weight)."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


def sgd_rule(param, grad, buffer, lr: float, momentum: float, weight_decay: float, first: bool):
    """One torch.optim.SGD step (dampening 0, no Nesterov) on floats or arrays; returns (param, buffer).

    grad += weight_decay * param; buffer = grad on the first step, else
    momentum * buffer + grad; param -= lr * buffer (or lr * grad without momentum).
    """
    if weight_decay != 0:
        grad = grad + weight_decay * param
    if momentum != 0:
        buffer = grad if first else buffer * momentum + grad
        grad = buffer
    return param + (-lr) * grad, buffer


def adam_rule(param, grad, m, v, step: int, lr: float, beta1: float, beta2: float, eps: float,
              weight_decay: float):
    """One torch.optim.Adam step (L2 weight decay, no amsgrad) on floats or arrays; returns (param, m, v).

    m and v are running averages of the gradient and its square; dividing by
    1 - beta^step undoes their bias towards the zero they start from.
    """
    if weight_decay != 0:
        grad = grad + weight_decay * param
    m = lerp(m, grad, 1 - beta1)
    v = v * beta2 + (1 - beta2) * grad * grad
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    step_size = lr / bias_correction1
    denom = np.sqrt(v) / bias_correction2 ** 0.5 + eps
    return param + (-step_size) * m / denom, m, v


def _check_params(params) -> list:
    try:
        params = list(params)
    except TypeError:
        raise TypeError(f"params must be a list of Values such as model.parameters(), got {type(params).__name__}") from None
    if not params:
        raise ValueError("params is empty: pass model.parameters()")
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"params[{i}] must be a Value, got {type(p).__name__}; pass model.parameters()")
    if len({id(p) for p in params}) != len(params):
        raise ValueError("params lists a Value more than once; pass each parameter once")
    return params


OPTIMIZERS = {}


class Optimizer:
    """Base: holds a flat list of parameters and a learning rate `lr` that schedules may change.

    A subclass declared with a name, ``class SGD(Optimizer, name="sgd")``, is
    registered in OPTIMIZERS under it, so ``fit(optimizer="sgd")`` finds it; its
    `default_lr` is the learning rate fit uses when none is given.
    """

    default_lr = None

    def __init_subclass__(cls, name: str = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if name is not None:
            if not isinstance(name, str) or not name:
                raise TypeError(f"name must be a non-empty str such as 'sgd', got {name!r}")
            if name in OPTIMIZERS and OPTIMIZERS[name].__qualname__ != cls.__qualname__:
                raise ValueError(f"an optimizer named {name!r} exists already ({OPTIMIZERS[name].__qualname__}); "
                                 f"choose another name")
            check_positive(cls.default_lr, f"{cls.__name__}.default_lr")
            OPTIMIZERS[name] = cls

    def __init__(self, params, lr: float):
        self.params = _check_params(params)
        self.lr = check_positive(lr, "lr")
        self.steps = 0

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its .grad; on a non-finite gradient or result nothing changes."""
        n = len(self.params)
        grads = np.fromiter((p.grad for p in self.params), np.float64, n)
        values = np.fromiter((p.data for p in self.params), np.float64, n)
        for p, x in zip(self.params, self.checked_update(values, grads).tolist()):
            p.data = x

    def checked_update(self, values: np.ndarray, grads: np.ndarray) -> np.ndarray:
        """update(), refusing non-finite gradients or results with FloatingPointError (the state is kept)."""
        state = dict(self.__dict__)  # update() rebinds its state arrays, never changes them in place
        with np.errstate(over="ignore", invalid="ignore"):  # the result is checked below
            new = self.update(values, grads)
        # A non-finite gradient makes a non-finite result, so one check serves both on every good step.
        if not np.isfinite(new).all():
            self.__dict__.update(state)
            self._check_finite(grads, "gradient of parameter {name} is {value!r}; try a smaller lr or check the "
                                      "loss and the data for overflow")
            self._check_finite(new, f"this step would set parameter {{name}} to {{value!r}}: lr={self.lr!r} is "
                                    f"too large for gradients of this size; try a smaller lr")
        return new

    def _check_finite(self, numbers: np.ndarray, message: str) -> None:
        bad = ~np.isfinite(numbers)
        if bad.any():
            i = int(np.argmax(bad))
            name = self.params[i].label or f"params[{i}]"
            raise FloatingPointError(message.format(name=name, value=float(numbers[i])))

    def update(self, values: np.ndarray, grads: np.ndarray) -> np.ndarray:
        """New parameter values from the current ones and their gradients (advances the state, checks nothing)."""
        raise NotImplementedError


class SGD(Optimizer, name="sgd"):
    """Stochastic gradient descent with optional momentum and L2 weight decay (torch.optim.SGD)."""

    default_lr = 0.1

    def __init__(self, params, lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.momentum = check_range(momentum, "momentum", 0.0, 1.0)
        self.weight_decay = check_range(weight_decay, "weight_decay", 0.0, math.inf)
        self.buffer = None

    def update(self, values, grads):
        """param - lr * (momentum buffer or grad), as sgd_rule."""
        new, self.buffer = sgd_rule(values, grads, self.buffer, self.lr, self.momentum, self.weight_decay,
                                    first=self.buffer is None)
        self.steps += 1
        return new

    def __repr__(self):
        return f"SGD(lr={self.lr!r}, momentum={self.momentum!r}, weight_decay={self.weight_decay!r})"


class Adam(Optimizer, name="adam"):
    """Adam: per-parameter step sizes from running moments of the gradient (torch.optim.Adam)."""

    default_lr = 0.01  # for fit's small models; the constructor's default is torch's 0.001

    def __init__(self, params, lr: float = 0.001, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, lr)
        try:
            beta1, beta2 = betas
        except (TypeError, ValueError):
            raise ValueError(f"betas must be a pair (beta1, beta2) such as (0.9, 0.999), got {betas!r}") from None
        self.betas = (check_range(beta1, "betas[0]", 0.0, 1.0), check_range(beta2, "betas[1]", 0.0, 1.0))
        self.eps = check_positive(eps, "eps")  # eps = 0 makes a zero gradient's step 0/0
        self.weight_decay = check_range(weight_decay, "weight_decay", 0.0, math.inf)
        self.m = np.zeros(len(self.params))
        self.v = np.zeros(len(self.params))

    def update(self, values, grads):
        """One Adam step with bias correction, as adam_rule."""
        self.steps += 1
        new, self.m, self.v = adam_rule(values, grads, self.m, self.v, self.steps, self.lr, *self.betas,
                                        self.eps, self.weight_decay)
        return new

    def __repr__(self):
        return f"Adam(lr={self.lr!r}, betas={self.betas!r}, eps={self.eps!r}, weight_decay={self.weight_decay!r})"


class LRScheduler:
    """Sets optimizer.lr from the epoch count; call step() once per epoch, after the optimizer steps."""

    def __init__(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"optimizer must be an nn.optim optimizer such as SGD or Adam, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.epoch = 0

    def step(self) -> None:
        """Advance one epoch and set the optimizer's lr (nothing changes if the new lr is refused)."""
        lr = self.lr_at(self.epoch + 1)
        self.epoch += 1
        self.optimizer.lr = lr

    def get_last_lr(self) -> float:
        """The learning rate in use now."""
        return self.optimizer.lr

    def lr_at(self, epoch: int) -> float:
        """The learning rate for `epoch` (closed form, which torch's recursive update equals to rounding)."""
        raise NotImplementedError


def _decayed(base_lr: float, gamma: float, power: int, epoch: int) -> float:
    """base_lr * gamma ** power, or a ValueError naming gamma when that overflows."""
    try:
        lr = base_lr * gamma ** power
    except OverflowError:
        lr = math.inf
    if not math.isfinite(lr):
        raise ValueError(f"gamma={gamma!r} makes the learning rate overflow at epoch {epoch} "
                         f"(base_lr * gamma ** {power}); use gamma <= 1, which decays the learning rate")
    return lr


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size): drop by gamma every step_size epochs.

    >>> from autograd import Value
    >>> s = StepLR(SGD([Value(0.0)], lr=1.0), step_size=2, gamma=0.5)
    >>> [s.lr_at(e) for e in range(5)]
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1):
        super().__init__(optimizer)
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"step_size must be a positive integer (epochs between drops), got {step_size!r}")
        self.step_size = step_size
        self.gamma = check_positive(gamma, "gamma")

    def lr_at(self, epoch):
        """base_lr * gamma ** (epoch // step_size)."""
        return _decayed(self.base_lr, self.gamma, epoch // self.step_size, epoch)


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** epoch."""

    def __init__(self, optimizer, gamma: float):
        super().__init__(optimizer)
        self.gamma = check_positive(gamma, "gamma")

    def lr_at(self, epoch):
        """base_lr * gamma ** epoch."""
        return _decayed(self.base_lr, self.gamma, epoch, epoch)


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2: a half cosine down to eta_min."""

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0):
        super().__init__(optimizer)
        if isinstance(T_max, bool) or not isinstance(T_max, int) or T_max < 1:
            raise ValueError(f"T_max must be a positive integer (epochs to reach eta_min), got {T_max!r}")
        self.T_max = T_max
        self.eta_min = check_range(eta_min, "eta_min", 0.0, self.base_lr, closed_high=True)

    def lr_at(self, epoch):
        """eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2."""
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2
