"""Checks of numeric parameters, shared by the estimator, the quality measures, the masked
solver and the plots.

Each check returns the value as a plain Python ``int`` or ``float`` or raises
:class:`~topicnmf.errors.InputError` with a one-line message in the scikit-learn style,
``"name=value: must be ..."``. This module imports nothing else from topicnmf, so every module
can use it without import cycles.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import InputError

SEED_MAX = 2**32 - 1   # numpy's RandomState (used by scikit-learn) takes seeds 0..2**32-1


def is_integer(value) -> bool:
    """True for Python and numpy integers, False for bools and everything else."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_real(value) -> bool:
    """True for Python and numpy integers and floats (NaN included), False for bools."""
    return (isinstance(value, (int, float, np.integer, np.floating))
            and not isinstance(value, (bool, np.bool_)))


def integer(value, name, low=None, high=None, *, optional=False):
    """``value`` as an int in ``[low, high]``.

    Parameters
    ----------
    value : object
        Python or numpy integer (bools are refused).
    name : str
        Parameter name for the message.
    low, high : int, optional
        Inclusive bounds; None for no bound.
    optional : bool
        Accept None (returned as is).

    Returns
    -------
    int or None

    Examples
    --------
    >>> integer(3, "top", 2)
    3
    >>> integer(0, "max_iter", 1, optional=True)
    Traceback (most recent call last):
    ...
    topicnmf.errors.InputError: max_iter=0: must be an integer >= 1 or None
    """
    if value is None and optional:
        return None
    if not is_integer(value) or (low is not None and value < low) \
            or (high is not None and value > high):
        raise InputError(f"{name}={value!r}: must be {_integer_range(low, high)}"
                         + (" or None" if optional else ""))
    return int(value)


def real(value, name, low=None, high=None, *, low_open=False, high_open=False) -> float:
    """``value`` as a finite float in a range; NaN and infinities are refused.

    Parameters
    ----------
    value : object
        Python or numpy integer or float (bools are refused).
    name : str
        Parameter name for the message.
    low, high : float, optional
        Bounds; None for no bound.
    low_open, high_open : bool
        Exclude the bound itself.

    Returns
    -------
    float

    Examples
    --------
    >>> real(float("nan"), "tol", 0, low_open=True)
    Traceback (most recent call last):
    ...
    topicnmf.errors.InputError: tol=nan: must be a finite number > 0
    """
    ok = is_real(value) and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        raise InputError(f"{name}={value!r}: must be "
                         + _real_range(name, low, high, low_open, high_open))
    return float(value)


def seed(value, name="random_state"):
    """A seed: None or an int in ``[0, 2**32 - 1]`` (what numpy and scikit-learn accept)."""
    return integer(value, name, 0, SEED_MAX, optional=True)


def document_frequency(value, name, *, zero=False):
    """``min_df``/``max_df``: a fraction (float in [0, 1], or (0, 1] unless ``zero``) or a
    document count (int >= 1), as in scikit-learn's vectorizers."""
    if is_integer(value) and value >= 1:
        return int(value)
    if is_real(value) and not is_integer(value) and math.isfinite(value) \
            and (0 <= value if zero else 0 < value) and value <= 1:
        return float(value)
    fraction = "[0, 1]" if zero else "(0, 1]"
    raise InputError(f"{name}={value!r}: must be a fraction in {fraction} or a count >= 1")


def _integer_range(low, high):
    if low is not None and high is not None:
        return f"an integer between {low} and {high}"
    if low is not None:
        return f"an integer >= {low}"
    return "an integer" if high is None else f"an integer <= {high}"


def _real_range(name, low, high, low_open, high_open):
    if low is not None and high is not None:
        return (f"a finite number with {low} {'<' if low_open else '<='} {name} "
                f"{'<' if high_open else '<='} {high}")
    if low is not None:
        return f"a finite number {'>' if low_open else '>='} {low}"
    if high is not None:
        return f"a finite number {'<' if high_open else '<='} {high}"
    return "a finite number"
