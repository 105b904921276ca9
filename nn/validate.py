"""Input checks shared by the nn modules: every error names the argument and says how to fix it.

Size caps: sizes are checked arithmetically before anything is built, so an absurd
request is refused at once with a ValueError naming the argument instead of
filling memory for hours:

* MAX_PARAMETERS (10**7) parameters per model: a parameter is a Value of about
  280 bytes, so the cap is ~3 GB before the first forward pass, and a one-sample
  graph of such a model has 2 * 10**7 nodes;
* MAX_LAYERS (10**4) layers per MLP;
* MAX_SAMPLES (10**7) samples (and blob centres) per generated data set (160 MB of X).

nn.io.MAX_FILE_BYTES caps the size of a model file that load() reads.
"""

import math
from itertools import islice

import numpy as np

MAX_PARAMETERS = 10 ** 7
MAX_LAYERS = 10 ** 4
MAX_SAMPLES = 10 ** 7

SEED_TYPES = (np.random.Generator, np.random.BitGenerator, np.random.SeedSequence)


def as_float64(values, argument: str, expected: str) -> np.ndarray:
    """`values` as a float64 array, refusing complex numbers and integers beyond float range by `argument`.

    numpy would drop an imaginary part with only a ComplexWarning, and its
    OverflowError for a huge integer names nothing.
    """
    if type(values) is np.ndarray and values.dtype == np.float64:  # a training step's batch: nothing to convert
        return values
    try:
        array = np.asarray(values)
    except (TypeError, ValueError):
        raise TypeError(f"{argument} must be {expected}, got {type(values).__name__}") from None
    if array.dtype.kind == "c" or (array.dtype == object and any(isinstance(v, complex) for v in array.flat)):
        raise TypeError(f"{argument} holds complex numbers; give real numbers (take .real or abs() first "
                        f"if the imaginary parts are meant to be dropped)")
    try:
        return array.astype(np.float64, copy=False)
    except OverflowError:
        raise ValueError(f"{argument} holds an integer beyond the float range (about 1.8e308), and "
                         f"gradwalk computes in float64: rescale the data") from None
    except (TypeError, ValueError):
        raise TypeError(f"{argument} must be {expected}, got {type(values).__name__}") from None


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


def check_count(number, argument: str, cap: int = None) -> int:
    """Return `number` if it is a positive int (at most `cap` when given), else raise naming `argument`."""
    if isinstance(number, bool) or not isinstance(number, (int, np.integer)) or number < 1:
        raise ValueError(f"{argument} must be a positive integer, got {number!r}")
    if cap is not None and number > cap:
        raise ValueError(f"{argument} must be at most {cap:,} (a cap in nn.validate), got {number:,}")
    return int(number)


def check_counts(numbers, argument: str, cap: int) -> list:
    """A list of at most `cap` positive ints read from the iterable `numbers`, else raise naming `argument`."""
    counts = [check_count(n, f"{argument} entry") for n in islice(numbers, cap + 1)]
    if len(counts) > cap:
        raise ValueError(f"{argument} lists more than {cap:,} entries (a cap in nn.validate)")
    return counts


def check_parameter_count(count: int, arguments: str) -> int:
    """Return `count` if it is at most MAX_PARAMETERS, else raise naming the `arguments` that set it."""
    if count > MAX_PARAMETERS:
        raise ValueError(f"{arguments} give {count:,} parameters, more than the cap of {MAX_PARAMETERS:,} "
                         f"(nn.validate.MAX_PARAMETERS); make the model smaller")
    return count


def check_choice(name, choices, argument: str, alternative: str = "") -> str:
    """Return `name` if it is a str among `choices`, else raise naming `argument` and the choices."""
    listed = ", ".join(map(repr, choices)) + (f" or {alternative}" if alternative else "")
    if not isinstance(name, str):
        raise TypeError(f"{argument} must be one of {listed}, got {type(name).__name__} {name!r}")
    if name not in choices:
        raise ValueError(f"{argument} must be one of {listed}, got {name!r}")
    return name


# The generator that seed=None draws from once manual_seed(k) has been called; None: fresh entropy each time.
_global_generator = None


def manual_seed(seed) -> None:
    """Seed every later seed=None draw in nn (weights, data sets, fit's shuffles) from one int, as torch.manual_seed.

    The draws share one generator, so two models made one after the other differ,
    and the pair is the same on every run; the first draw after manual_seed(k) is
    what seed=k gives. ``manual_seed(None)`` goes back to fresh
    entropy for each seed=None call. The generator is process-wide (as torch's and
    Python's random are): draws from several threads are each intact, but their
    order, and so who gets which numbers, is up to the scheduler; pass seed=k to
    what a thread builds when that must be reproducible.

    >>> import nn
    >>> manual_seed(7); first = nn.MLP(2, [3, 1]); second = nn.MLP(2, [3, 1])
    >>> manual_seed(7); again = nn.MLP(2, [3, 1])
    >>> [p.data for p in again.parameters()] == [p.data for p in first.parameters()]
    True
    >>> [p.data for p in second.parameters()] == [p.data for p in first.parameters()]
    False
    >>> [p.data for p in nn.MLP(2, [3, 1], seed=7).parameters()] == [p.data for p in first.parameters()]
    True
    >>> manual_seed(None)
    """
    global _global_generator
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"seed must be a non-negative int (or None for fresh entropy), got {type(seed).__name__} "
                        f"{seed!r}")
    if seed is not None and seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    _global_generator = None if seed is None else np.random.default_rng(int(seed))


def check_seed(seed, argument: str = "seed") -> np.random.Generator:
    """A numpy Generator from `seed`: None (manual_seed's generator, else fresh entropy), an int >= 0, a Generator."""
    if seed is None:
        generator = _global_generator  # read once: manual_seed may swap it from another thread
        return np.random.default_rng() if generator is None else generator
    if isinstance(seed, SEED_TYPES):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{argument} must be None, a non-negative int or a numpy Generator, "
                        f"got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"{argument} must be a non-negative int, got {seed!r}")
    return np.random.default_rng(int(seed))


def check_pair(pair, argument: str, types=(int, float, str, np.generic), noun: str = "labels") -> tuple:
    """`pair` as a tuple of two different values of `types` (not bools), else raise naming `argument`."""
    try:
        first, second = pair
    except (TypeError, ValueError) as error:  # not iterable: TypeError; wrong length: ValueError
        raise type(error)(f"{argument} must be a pair (negative, positive) such as (0, 1) or (-1, 1), "
                          f"got {pair!r}") from None
    typed = all(isinstance(v, types) and not isinstance(v, bool) for v in (first, second))
    # NaN == NaN is False, so two NaNs would pass as "different"; a NaN label never matches a class anyway
    if isinstance(pair, str) or not typed or first == second or _is_nan(first) or _is_nan(second):
        raise ValueError(f"{argument} must be two different {noun} such as (0, 1) or (-1, 1), got {pair!r}")
    return first, second


def _is_nan(value) -> bool:
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def check_numbers(values, argument: str, finite: bool = True) -> np.ndarray:
    """`values` as a float64 array (any shape) of numbers, finite unless `finite` is False, or a clear error."""
    array = as_float64(values, argument, "an array of numbers (rows all the same length)")
    if finite and not np.isfinite(array).all():
        raise ValueError(f"{argument} contains NaN or infinity at index {np.argwhere(~np.isfinite(array))[0].tolist()}")
    return array


def check_samples(X, nin=None, argument: str = "X") -> np.ndarray:
    """X as a finite float64 array of shape (samples, nin), or a clear error."""
    array = as_float64(X, argument, "a 2-D array of numbers, one row per sample (all rows the same length)")
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
    array = as_float64(y, argument, "a 1-D array of numbers")
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
