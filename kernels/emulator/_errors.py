"""The emulator's one exception type (shared by :mod:`._core` and :mod:`.rules`)."""
from __future__ import annotations


class NKIEmulatorError(ValueError):
    """An NKI program did something the hardware or the NKI compiler would reject."""


def _err(msg):
    raise NKIEmulatorError(msg)
