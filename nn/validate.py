"""Input checks shared by the nn modules: every error names the argument and says how to fix it."""

import math

import numpy as np


def check_positive(number, argument: str) -> float:
    """Return `number` as a float if it is finite and > 0, else raise naming `argument`."""
    if isinstance(number, bool) or not isinstance(number, (int, float, np.integer, np.floating)):
        raise TypeError(f"{argument} must be a positive number, got {type(number).__name__} {number!r}")
    number = float(number)
    if not (number > 0 and math.isfinite(number)):
        raise ValueError(f"{argument} must be a positive finite number, got {number!r}")
    return number


def check_range(number, argument: str, low: float, high: float, closed_high: bool = False) -> float:
    """Return `number` as a float if low <= number < high (or <= high), else raise naming `argument`."""
    if isinstance(number, bool) or not isinstance(number, (int, float, np.integer, np.floating)):
        raise TypeError(f"{argument} must be a number, got {type(number).__name__} {number!r}")
    number = float(number)
    inside = low <= number <= high if closed_high else low <= number < high
    if not inside:
        bracket = "]" if closed_high else ")"
        raise ValueError(f"{argument} must be in [{low}, {high}{bracket}, got {number!r}")
    return number


def check_samples(X, nin=None, argument: str = "X") -> np.ndarray:
    """X as a finite float64 array of shape (samples, nin), or a clear error."""
    try:
        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{argument} must be a 2-D array of numbers, one row per sample "
                        f"(all rows the same length), got {type(X).__name__}") from None
    if array.ndim == 1 and nin == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise ValueError(f"{argument} must be 2-D (samples x inputs), got shape {array.shape}"
                         + ("; for one sample use [x]" if array.ndim == 1 else ""))
    if len(array) == 0:
        raise ValueError(f"{argument} is empty: give at least one sample")
    if nin is not None and array.shape[1] != nin:
        raise ValueError(f"{argument} has {array.shape[1]} columns but the model takes {nin} inputs")
    if not np.isfinite(array).all():
        row = int(np.argwhere(~np.isfinite(array))[0, 0])
        raise ValueError(f"{argument} contains NaN or infinity (first at row {row}); clean or drop those samples")
    return array


def check_labels(y, n: int, allowed=None, argument: str = "y", hint: str = "") -> np.ndarray:
    """y as a 1-D array of n finite numbers, each in `allowed` when given, or a clear error."""
    try:
        array = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{argument} must be a 1-D array of numbers, got {type(y).__name__}") from None
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{argument} must be 1-D (one label per sample), got shape {array.shape}")
    if len(array) != n:
        raise ValueError(f"{argument} has {len(array)} labels but there are {n} samples; give one label per sample")
    if not np.isfinite(array).all():
        raise ValueError(f"{argument} contains NaN or infinity at index {int(np.argmax(~np.isfinite(array)))}")
    if allowed is not None:
        bad = ~np.isin(array, allowed)
        if bad.any():
            i = int(np.argmax(bad))
            choices = ", ".join(str(a) for a in allowed)
            raise ValueError(f"{argument}[{i}] = {array[i]:g}, but labels must be one of {choices}"
                             + (f"; {hint}" if hint else ""))
    return array


def check_classes(y, n: int, classes: int, argument: str = "y") -> np.ndarray:
    """y as a 1-D int array of n class indices in 0..classes-1, or a clear error."""
    array = check_labels(y, n, None, argument)
    if not (array == np.round(array)).all() or (array < 0).any() or (array >= classes).any():
        i = int(np.argmax((array != np.round(array)) | (array < 0) | (array >= classes)))
        raise ValueError(f"{argument}[{i}] = {array[i]:g}, but class labels must be integers 0..{classes - 1} "
                         f"(one per output of the model)")
    return array.astype(np.int64)
