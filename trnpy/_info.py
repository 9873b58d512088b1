"""``__array_namespace_info__`` (array API inspection)."""
from __future__ import annotations

from . import _devices, _dtypes

_KINDS = {
    "bool": "b", "signed integer": "i", "unsigned integer": "u", "integral": "iu",
    "real floating": "f", "complex floating": "c", "numeric": "iufc",
}


class __array_namespace_info__:
    """Capabilities, devices and dtypes of the trnpy namespace."""

    def capabilities(self):
        return {"boolean indexing": True, "data-dependent shapes": True,
                "max dimensions": 64}

    def default_device(self):
        return _devices.get_default_device()

    def devices(self):
        return _devices.available_devices()

    def default_dtypes(self, *, device=None):
        dev = _devices.device(device)
        return dev.default_dtypes()

    def dtypes(self, *, device=None, kind=None):
        dev = _devices.device(device)
        # the standard's dtypes (float16 works everywhere but is not one of them)
        allowed = [d for d in _dtypes.SUPPORTED if d.name != "float16"
                   and not (dev.kind == "neuron" and d.name in ("float64", "complex128"))]
        if kind is None:
            return {d.name: d for d in allowed}
        kinds = (kind,) if isinstance(kind, str) else tuple(kind)
        letters = ""
        for k in kinds:
            if k not in _KINDS:
                raise ValueError(f"unknown dtype kind {k!r}")
            letters += _KINDS[k]
        return {d.name: d for d in allowed if d.kind in letters}
