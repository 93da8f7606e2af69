"""Exceptions raised by Sextant.

``SextantError`` is the base of everything Sextant raises. Bad arguments raise
``ParameterError`` (a ``ValueError``; ``UnsupportedError`` for valid values not implemented
yet), bad data ``InputError`` (a ``ValueError``), stream-state problems ``StateError``.
Every instance has ``code`` (a stable string such as ``"OUT_OF_RANGE"``) and ``parameter``
(the parameter or input at fault, or None).
"""

from sextant._native import (
    InputError,
    ParameterError,
    SextantError,
    StateError,
    UnknownFunctionError,
    UnsupportedError,
)

__all__ = [
    "SextantError",
    "ParameterError",
    "UnsupportedError",
    "InputError",
    "StateError",
    "UnknownFunctionError",
]
