"""Reading numbers from users: real numbers become floats, anything else an error that names the argument."""

from numbers import Real


def as_float(data, argument: str = "data") -> float:
    """Check that `data` is a real number and return it as a float."""
    if type(data) is float:
        return data
    if isinstance(data, Real) and not isinstance(data, bool):
        try:
            return float(data)
        except OverflowError:
            text = repr(data)
            shown = text if len(text) <= 30 else f"{text[:12]}... ({len(text)} characters)"
            raise OverflowError(f"{argument} = {shown} is out of float range (about 1.8e308); "
                                f"give a smaller number, or float('inf') if you mean infinity") from None
    raise TypeError(
        f"{argument} must be a real number (int or float), got {type(data).__name__} {data!r}; "
        f"convert it first, e.g. Value(float(x))"
    )
