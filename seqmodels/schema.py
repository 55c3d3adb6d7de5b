"""Plain values checked against type hints: the one mechanism behind config sections, model
arguments and checkpoint hyper-parameters.

A hint may be ``int``, ``float``, ``bool``, ``str``, ``None``, a ``Literal``, a union, a
``list[...]`` or ``tuple[..., ...]``, or any of these ``Annotated`` with a :class:`Range` (an
interval the value must lie in) or a :class:`Before` (a conversion applied first). A value that
does not fit is a :class:`~seqmodels.errors.SeqmodelsError` naming where it came from, the value
and what was expected.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from seqmodels.errors import SeqmodelsError


@dataclass(frozen=True)
class Range:
    """An interval for a number: ``low``/``high`` inclusive unless ``open`` names the side."""

    low: float | None = None
    high: float | None = None
    open: str = ""  # "low", "high" or "both"

    def contains(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        low_open, high_open = self.open in ("low", "both"), self.open in ("high", "both")
        if self.low is not None and (value < self.low or (low_open and value == self.low)):
            return False
        return self.high is None or not (value > self.high or (high_open and value == self.high))

    def __str__(self) -> str:
        left = "(" if self.open in ("low", "both") else "["
        right = ")" if self.open in ("high", "both") else "]"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        if self.high is None and self.low is not None:
            return f"> {low}" if left == "(" else f">= {low}"
        return f"in {left}{low}, {high}{right}"


@dataclass(frozen=True)
class Before:
    """A conversion applied to the value before it is checked (e.g. a scalar to a list)."""

    convert: Callable[[Any], Any]


PositiveInt = Annotated[int, Range(1)]
NonNegativeInt = Annotated[int, Range(0)]
PositiveFloat = Annotated[float, Range(0, open="low")]
NonNegativeFloat = Annotated[float, Range(0)]
PoolRatio = Annotated[float, Range(1, open="low")]
"""Input positions per output position of a pooling layer (fractional pooling: not whole)."""
Probability = Annotated[float, Range(0, 1, open="high")]
"""A fraction that may be 0 but not 1 (dropout, held-out fractions)."""


def coerce(value: Any, hint: Any, where: str) -> Any:
    """``value`` checked against ``hint`` (int → float and list ↔ tuple allowed).

    Raises
    ------
    SeqmodelsError
        ``"{where}: expected {what}, got {value!r}"``.
    """
    try:
        return _coerce(value, hint)
    except _Mismatch:
        raise SeqmodelsError(f"{where}: expected {describe(hint)}, got {value!r}") from None


def check_arguments(function: Callable, values: dict, where: str, *, skip=()) -> dict:
    """``values`` checked against the keyword parameters of ``function`` (or a class's
    constructor): an unknown name or a value of the wrong type is an error naming
    ``where.name``. Parameters in ``skip`` are neither accepted nor checked."""
    signature = inspect.signature(function)
    plain_class = inspect.isclass(function) and not dataclasses.is_dataclass(function)
    hints = typing.get_type_hints(
        function.__init__ if plain_class else function, include_extras=True
    )
    known = [name for name in signature.parameters if name not in skip and name != "self"]
    checked = {}
    for key, value in values.items():
        if key not in known:
            raise SeqmodelsError(f"{where}.{key}: unknown key; choose from {', '.join(known)}")
        checked[key] = coerce(value, hints.get(key, Any), f"{where}.{key}")
    return checked


def describe(hint: Any) -> str:
    """What a hint accepts, in words."""
    origin = typing.get_origin(hint)
    if origin is Annotated:
        base, *extras = typing.get_args(hint)
        ranges = [str(e) for e in extras if isinstance(e, Range)]
        return describe(base) + (f" {ranges[0]}" if ranges else "")
    if origin is typing.Literal:
        return "one of " + ", ".join(dict.fromkeys(map(str, typing.get_args(hint))))
    if origin in (tuple, list):
        return f"a list, each {describe(typing.get_args(hint)[0])}"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(describe(h) for h in typing.get_args(hint))
    if hint is type(None):
        return "null"
    return {int: "an integer", float: "a number", bool: "true or false", str: "a string"}.get(
        hint, getattr(hint, "__name__", str(hint))
    )


class _Mismatch(Exception):
    pass


def _coerce(value: Any, hint: Any) -> Any:
    origin = typing.get_origin(hint)
    if hint is Any:
        return value
    if origin is Annotated:
        base, *extras = typing.get_args(hint)
        for extra in extras:
            if isinstance(extra, Before):
                value = extra.convert(value)
        value = _coerce(value, base)
        for extra in extras:
            if isinstance(extra, Range) and not extra.contains(value):
                raise _Mismatch
        return value
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(hint):
            try:
                return _coerce(value, option)
            except _Mismatch:
                continue
        raise _Mismatch
    if origin is typing.Literal:
        if value in typing.get_args(hint) and not isinstance(value, bool):
            return value
        raise _Mismatch
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise _Mismatch
        items = [_coerce(v, typing.get_args(hint)[0]) for v in value]
        return tuple(items) if origin is tuple else items
    if hint is type(None):
        if value is None:
            return None
        raise _Mismatch
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise _Mismatch
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _Mismatch
    if isinstance(hint, type) and isinstance(value, hint):
        return value
    raise _Mismatch
