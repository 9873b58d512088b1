"""Elementwise functions: the array API's and NumPy's, each a :class:`~trnpy._ufunc.ufunc`.

NumPy decides loop dtypes (``resolve_dtypes``) and runs CPU arrays; the torch functions
here run everything else. They receive tensors already cast to the loop's compute dtype
(uint16 -> int32, uint32 -> int64, uint64 -> the same bits in int64) and reproduce
NumPy's own loop algorithms where torch's differ (integer division by zero, float
floor division, complex division/sign/reciprocal, shifts past the bit width, uint64
ordering and division, integer powers).
"""
from __future__ import annotations

import builtins
import operator

import numpy as np
from ._torch import torch

from . import _convert, _dispatch, _normalize, _tensor
from ._array import TrnArray, mark_readonly, phys, set_base
from ._ufunc import ufunc
from ._errstate import report

__all__ = [
    # array API 2024.12
    "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "bitwise_and",
    "bitwise_left_shift", "bitwise_invert", "bitwise_or", "bitwise_right_shift",
    "bitwise_xor", "ceil", "clip", "conj", "copysign", "cos", "cosh", "divide", "equal",
    "exp", "expm1", "floor", "floor_divide", "greater", "greater_equal", "hypot", "imag",
    "isfinite", "isinf", "isnan", "less", "less_equal", "log", "log1p", "log2", "log10",
    "logaddexp", "logical_and", "logical_not", "logical_or", "logical_xor", "maximum",
    "minimum", "multiply", "negative", "nextafter", "not_equal", "positive", "pow", "real",
    "reciprocal", "remainder", "round", "sign", "signbit", "sin", "sinh", "square", "sqrt",
    "subtract", "tan", "tanh", "trunc",
    # NumPy's names
    "absolute", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh",
    "left_shift", "right_shift", "invert", "bitwise_not", "power", "true_divide",
    "conjugate", "mod", "fabs", "rint", "around", "exp2", "cbrt", "deg2rad", "rad2deg",
    "degrees", "radians", "heaviside", "fmax", "fmin", "fmod", "gcd", "lcm", "logaddexp2",
    "ldexp", "float_power", "spacing", "divmod", "frexp", "modf", "bitwise_count",
]

_I64_MIN = -2 ** 63
_I64_MAX = 2 ** 63 - 1
_U64 = np.dtype(np.uint64)


# ---------------------------------------------------------------------------
# small helpers
def _full_like(t, value):
    return torch.full_like(t, value)


def _up(t):
    """float16 runs in float32, as NumPy's half loops do."""
    return t.float() if t.dtype in (torch.float16, torch.bfloat16) else t


def _ri(z):
    return torch.real(z), torch.imag(z)


def _cplx(re, im):
    return torch.complex(re, im)


def _isnan_c(z):
    re, im = _ri(z)
    return torch.isnan(re) | torch.isnan(im)


def _ukey(t):
    """int64 bits of uint64 values -> int64 keys with the same order."""
    return t ^ _I64_MIN


def _uge(a, b):
    return _ukey(a) >= _ukey(b)


def _warn(msg):
    # NumPy's err state decides (ignore / warn / raise / call)
    kind = "divide" if msg.startswith("divide") else \
        "over" if msg.startswith("overflow") else "invalid"
    report(kind, msg.rsplit(" ", 1)[-1])


def _u(name, np_uf, fn, **kw):
    return ufunc(name, np_uf, fn, **kw)


def _real_direct(name, kinds):
    """ufunc's ``direct=``: ``torch.<name>`` for loops whose input dtypes' kinds are in
    ``kinds`` (where the wrapper would call just that), else None (the wrapper)."""
    def direct(loop):
        return getattr(torch, name) if loop[0].kind in kinds else None
    return direct


def _identity_int(fn):
    """``fn`` (a torch function, or its name) for inexact inputs; integers and bools pass
    through unchanged (a copy)."""
    def f(x):
        if x.dtype.is_floating_point or x.dtype.is_complex:
            return (getattr(torch, fn) if type(fn) is str else fn)(x)
        return x.clone()
    return f


def _abs(x, dtypes):
    if dtypes[0].kind in "bu":
        return x.clone()
    return torch.abs(x)


def _fabs(x):
    return torch.abs(x)


def _sign(x, dtypes):
    k = dtypes[0].kind
    if k == "u":
        return (x != 0).to(x.dtype)
    if k == "i":
        return torch.sign(x)
    if k == "f":
        one = _full_like(x, 1)
        return torch.where(x > 0, one, torch.where(x < 0, -one, torch.where(x == 0, 0 * one, x)))
    # NumPy 2: z / |z|, with its own rules for infinities
    re, im = _ri(x)
    a = torch.hypot(re, im)
    nan = torch.full_like(re, float("nan"))
    zero = torch.zeros_like(re)
    one = torch.ones_like(re)
    rr = re / a
    ri = im / a
    inf_a = torch.isinf(a)
    re_inf, im_inf = torch.isinf(re), torch.isinf(im)
    sr = torch.where(re > 0, one, -one)
    si = torch.where(im > 0, one, -one)
    rr = torch.where(inf_a, torch.where(re_inf, torch.where(im_inf, nan, sr), zero), rr)
    ri = torch.where(inf_a, torch.where(re_inf, torch.where(im_inf, nan, zero), si), ri)
    rr = torch.where(a == 0, zero, rr)
    ri = torch.where(a == 0, zero, ri)
    isn = torch.isnan(a)
    return _cplx(torch.where(isn, nan, rr), torch.where(isn, nan, ri))


def _creciprocal(x):
    """NumPy's complex reciprocal (Smith's algorithm)."""
    re, im = _ri(x)
    one = torch.ones_like(re)
    small = im.abs() <= re.abs()
    r1 = im / re
    d1 = re + im * r1
    r2 = re / im
    d2 = re * r2 + im
    return _cplx(torch.where(small, one / d1, r2 / d2), torch.where(small, -r1 / d1, -one / d2))


def _reciprocal(x, dtypes):
    dt = dtypes[0]
    if dt.kind == "f":
        return torch.reciprocal(x)
    if dt.kind == "c":
        return _creciprocal(x)
    # integers: 1.0 / x truncated; x == 0 converts inf to int as the C cast does on x86
    zero = torch.zeros_like(x)
    res = torch.where(x == 1, zero + 1, zero)
    if dt.kind == "i":
        res = torch.where(x == -1, zero - 1, res)
        if dt.itemsize >= 4:
            res = torch.where(x == 0, zero + int(np.iinfo(dt).min), res)
    return res


def _rint(x):
    if x.dtype.is_complex:
        re, im = _ri(x)
        return _cplx(torch.round(re), torch.round(im))
    return torch.round(x)                  # half to even, as NumPy


def _negative(x):
    return torch.neg(x)


def _positive(x):
    return x.clone()


def _square(x):
    if x.dtype == torch.complex64 and x.device.type != "xla":
        # NumPy's complex64 square is r*r - i*i and r*i + i*r each with one fused
        # multiply-add (one rounding of r*r, resp. r*i); float64 holds those products
        # exactly. (Neuron hardware has no float64: there it stays _cmul.)
        re, im = _ri(x)
        r, i = re.double(), im.double()
        return _cplx((r * r - (im * im).double()).float(), (r * i + (re * im).double()).float())
    if x.dtype.is_complex:
        return _cmul(x, x)
    return x * x


def _conj(x):
    return torch.conj_physical(x) if x.dtype.is_complex else x.clone()


def _isfinite(x):
    return torch.isfinite(x)


def _cbrt(x):
    x = _up(x)
    r = torch.sign(x) * torch.abs(x).pow(1.0 / 3.0)
    return torch.where((x == 0) | ~torch.isfinite(x), x, r)


def _deg2rad(x):
    x = _up(x)
    return x * torch.tensor(np.pi / 180.0, dtype=x.dtype)


def _rad2deg(x):
    x = _up(x)
    return x * torch.tensor(180.0 / np.pi, dtype=x.dtype)


def _nextafter_t(a, b):
    try:
        return torch.nextafter(a, b)
    except (RuntimeError, NotImplementedError):
        if a.device.type == "cpu":
            return torch.from_numpy(np.nextafter(a.numpy(), b.numpy()))
        raise NotImplementedError(
            f"trnpy.nextafter: torch has no {a.dtype} nextafter on {a.device}") from None


def _spacing(x):
    # NumPy steps away from zero (-0.0 counts as +0.0); float16 always steps up
    inf = torch.full_like(x, float("inf"))
    nxt = _nextafter_t(x, inf if x.dtype == torch.float16 else torch.where(x < 0, -inf, inf))
    r = nxt - x
    return torch.where(torch.isinf(x), torch.full_like(x, float("nan")), r)


# ---------------------------------------------------------------------------
# arithmetic
def _cmul(a, b):
    ar, ai = _ri(a)
    br, bi = _ri(b)
    return _cplx(ar * br - ai * bi, ar * bi + ai * br)


def _cdiv(a, b):
    """NumPy's complex division (Smith's algorithm with its zero-divisor branch)."""
    ar, ai = _ri(a)
    br, bi = _ri(b)
    bra, bia = br.abs(), bi.abs()
    first = bra >= bia
    zero = (bra == 0) & (bia == 0)
    rat1 = bi / br
    scl1 = 1.0 / (br + bi * rat1)
    r1 = (ar + ai * rat1) * scl1
    i1 = (ai - ar * rat1) * scl1
    r0 = ar / bra
    i0 = ai / bra
    rat2 = br / bi
    scl2 = 1.0 / (bi + br * rat2)
    r2 = (ar * rat2 + ai) * scl2
    i2 = (ai * rat2 - ar) * scl2
    re = torch.where(first, torch.where(zero, r0, r1), r2)
    im = torch.where(first, torch.where(zero, i0, i1), i2)
    return _cplx(re, im)


def _add(a, b):
    if a.dtype.is_complex:        # torch's a + alpha*b turns inf*0 into nan
        ar, ai = _ri(a)
        br, bi = _ri(b)
        return _cplx(ar + br, ai + bi)
    return a + b


def _subtract(a, b):
    if a.dtype.is_complex:
        ar, ai = _ri(a)
        br, bi = _ri(b)
        return _cplx(ar - br, ai - bi)
    return a - b


def _sqrt(t):
    """torch.sqrt, except complex input on CUDA: its csqrt leaves rounding noise where
    C99 (and NumPy) have exact zeros (real part of sqrt(-1+0j) is -4e-8 in complex64), so
    finite values take glibc's branch formula, scaled against overflow and underflow."""
    if not (t.is_complex() and t.is_cuda):
        return torch.sqrt(t)
    x, y = t.real, t.imag
    m = torch.maximum(x.abs(), y.abs())
    # exact power-of-two scalings: x, y by s**2, the root by 1/s
    k = 500 if x.dtype == torch.float64 else 60
    big = torch.finfo(x.dtype).max / 4
    s2 = torch.where(m > big, 0.25, torch.where(m < 2.0 ** -k, 2.0 ** (2 * k),
                                                  torch.ones_like(x)))
    xs, ys = x * s2, y * s2
    w = torch.sqrt(0.5 * (torch.hypot(xs, ys) + xs.abs()))       # sqrt((|x| + |z|) / 2)
    w0 = torch.where(w == 0, 1, w)
    h = 0.5 * (ys / w0)
    re = torch.where(x >= 0, w, h.abs())
    im = torch.where(x >= 0, h, torch.copysign(w, y))
    inv = torch.rsqrt(s2)
    res = torch.complex(torch.where(w == 0, 0, re * inv), torch.where(w == 0, y, im * inv))
    return torch.where(torch.isfinite(x) & torch.isfinite(y), res, torch.sqrt(t))


def _log1p(x):
    if x.dtype.is_floating_point or x.dtype.is_complex:
        # tiny and subnormal x: log1p(x) == x (torch's complex log1p gives NaN there)
        return torch.where(x.abs() < torch.finfo(x.dtype).eps * 1e-3, x, torch.log1p(x))
    return torch.log1p(x)


def _multiply(a, b):
    if a.dtype.is_complex:
        return _cmul(a, b)
    if a.dtype == torch.bool:
        return a & b
    return a * b


def _divide(a, b):
    if a.dtype.is_complex:
        return _cdiv(a, b)
    return a / b


def _fmod_exact(a, b):
    """C fmod. torch's CPU kernel returns NaN when a / b overflows; there the reduction
    fmod(a, b) == fmod(fmod(a, b * 2**k), b) (exact for a power of two) brings the
    quotient back into range."""
    r = a
    half = {torch.float64: 512, torch.float32: 64}.get(a.dtype, 8)
    for _ in range(12):
        t = torch.fmod(r, b)
        bad = torch.isnan(t) & torch.isfinite(r) & torch.isfinite(b) & (b != 0)
        if not bool(bad.any()):
            return t
        gap = torch.frexp(r)[1].to(torch.int64) - torch.frexp(b)[1].to(torch.int64)
        k = (gap - half).clamp(min=0)
        bk = _ldexp(b, k).to(b.dtype)
        r = torch.where(bad, torch.fmod(r, torch.where(bad, bk, b)), r)
    return torch.fmod(r, b)


def _fdivmod(a, b):
    """NumPy's npy_divmod for floats: (floor quotient, Python-style remainder)."""
    a, b = _up(a), _up(b)
    mod = _fmod_exact(a, b)
    zero_b = b == 0
    div = (a - mod) / b
    nz = mod != 0                      # NaN counts as nonzero, as in C
    adj = nz & ((b < 0) != (mod < 0))
    zeros = torch.zeros_like(mod)
    mod2 = torch.where(adj, mod + b, torch.where(nz, mod, torch.copysign(zeros, b)))
    div = torch.where(adj, div - 1, div)
    fl = torch.floor(div)
    fl = torch.where(div - fl > 0.5, fl + 1, fl)
    fl = torch.where(div != 0, fl, torch.copysign(zeros, a / b))
    fl = torch.where(zero_b, a / b, fl)
    mod2 = torch.where(zero_b, mod, mod2)
    return fl, mod2


def _udivmod64(n, d):
    """Unsigned 64-bit division on int64 bits (Hacker's Delight divlu); ``d`` != 0."""
    d_big = d < 0
    ds = torch.where(d_big, torch.ones_like(d), d)
    q = torch.div((n >> 1) & _I64_MAX, ds, rounding_mode="trunc") << 1
    r = n - q * ds
    fix = _uge(r, ds)
    q = q + fix.to(q.dtype)
    r = torch.where(fix, r - ds, r)
    q_big = _uge(n, d)
    q = torch.where(d_big, q_big.to(q.dtype), q)
    r = torch.where(d_big, torch.where(q_big, n - d, n), r)
    return q, r


def _int_div_setup(a, b, dt, fname):
    """Divisor with zeros (and MIN / -1) made harmless; warns as NumPy does."""
    a, b = torch.broadcast_tensors(a, b)
    zb = b == 0
    bad = zb
    if bool(zb.any()):
        _warn(f"divide by zero encountered in {fname}")
    if dt.kind == "i":
        ovf = (a == int(np.iinfo(dt).min)) & (b == -1)
        if bool(ovf.any()):
            if fname in ("floor_divide", "divmod"):
                _warn(f"overflow encountered in {fname}")
            bad = bad | ovf
    b = torch.where(bad, torch.ones_like(b), b)
    return a, b, zb


def _floor_divide(a, b, dtypes):
    dt = dtypes[0]
    if dt.kind in "fc":
        return _fdivmod(a, b)[0]
    a, bs, zb = _int_div_setup(a, b, dt, "floor_divide")
    if dt == _U64:
        q = _udivmod64(a, bs)[0]
    else:
        q = torch.div(a, bs, rounding_mode="floor")
    return torch.where(zb, torch.zeros_like(q), q)


def _int_mod(a, b, dt, name, torch_mod):
    """Integer remainder (``torch_mod`` picks the sign rule); x % 0 == 0 as NumPy."""
    a, bs, zb = _int_div_setup(a, b, dt, name)
    r = _udivmod64(a, bs)[1] if dt == _U64 else torch_mod(a, bs)
    return torch.where(zb, torch.zeros_like(r), r)


def _remainder(a, b, dtypes):
    dt = dtypes[0]
    if dt.kind in "fc":
        return _fdivmod(a, b)[1]
    return _int_mod(a, b, dt, "remainder", torch.remainder)


def _fmod(a, b, dtypes):
    dt = dtypes[0]
    if dt.kind == "f":
        return _fmod_exact(_up(a), _up(b))
    return _int_mod(a, b, dt, "fmod", torch.fmod)


def _int_pow(a, b, dtypes):
    a, e = torch.broadcast_tensors(a.to(torch.int64), b.to(torch.int64))
    if dtypes[1].kind == "i" and bool((e < 0).any()):     # checked per element, as NumPy
        raise ValueError("Integers to negative integer powers are not allowed.")
    res = torch.ones_like(a)
    base = a.clone()
    e = e.clone()
    # binary exponentiation with int64 wrap-around: the low bits are NumPy's result
    while bool((e != 0).any()):
        res = torch.where((e & 1) == 1, res * base, res)
        base = base * base
        e = (e >> 1) & _I64_MAX
    return res


def _cpow(a, b):
    """Complex power with NumPy's special cases (b == 0, a == 0, small integer b)."""
    br, bi = _ri(b)
    ar, ai = _ri(a)
    res = torch.pow(a, b)
    # small integral real exponents: repeated multiplication, as NumPy does
    n_ok = (bi == 0) & (br == torch.round(br)) & (br.abs() < 100)
    if bool(n_ok.any()):
        a_b, n = torch.broadcast_tensors(a, torch.where(n_ok, br, torch.zeros_like(br)))
        n = n.to(torch.int64)
        m = n.abs()
        p = torch.ones_like(a_b)
        base = a_b.clone()
        while bool((m != 0).any()):
            p = torch.where((m & 1) == 1, _cmul(p, base), p)
            base = _cmul(base, base)
            m = m >> 1
        p = torch.where(n < 0, _cdiv(torch.ones_like(p), p), p)
        simple = n.abs() <= 3
        # NumPy uses plain products for n = 1, 2, 3
        p1 = a_b
        p2 = _cmul(a_b, a_b)
        p3 = _cmul(p2, a_b)
        p = torch.where(simple & (n == 1), p1, torch.where(simple & (n == 2), p2,
                                                           torch.where(simple & (n == 3), p3, p)))
        res = torch.where(n_ok, p, res)
    nan = torch.full_like(res, complex(float("nan"), float("nan")))
    a0 = (ar == 0) & (ai == 0)
    res = torch.where(a0, torch.where(br > 0, torch.zeros_like(res), nan), res)
    res = torch.where((br == 0) & (bi == 0), torch.ones_like(res), res)
    return res


def _pow(a, b, dtypes):
    k = dtypes[0].kind
    if k in "iub":
        return _int_pow(a, b, dtypes)
    if k == "c":
        return _cpow(a, b)
    return torch.pow(a, b)


def _float_power(a, b):
    if a.dtype.is_complex:
        return _cpow(a, b)
    return torch.pow(a, b)


def _logaddexp(a, b):
    """NumPy's npy_logaddexp (exact for equal infinities)."""
    a, b = _up(a), _up(b)
    tmp = a - b
    r = torch.where(tmp > 0, a + torch.log1p(torch.exp(-tmp)),
                    torch.where(tmp <= 0, b + torch.log1p(torch.exp(tmp)), tmp))
    return torch.where(a == b, a + np.log(2.0), r)


def _logaddexp2(a, b):
    a, b = _up(a), _up(b)
    tmp = a - b
    l2e = 1.0 / np.log(2.0)
    r = torch.where(tmp > 0, a + l2e * torch.log1p(torch.exp2(-tmp)),
                    torch.where(tmp <= 0, b + l2e * torch.log1p(torch.exp2(tmp)), tmp))
    return torch.where(a == b, a + 1, r)


def _heaviside(x, h0):
    one = torch.ones_like(x)
    r = torch.where(x < 0, 0 * one, torch.where(x > 0, one, h0))
    return torch.where(torch.isnan(x), x, r)


def _pow2(k, fdt):
    """Exact 2**k (k an int64 tensor within the float's range, subnormals included)."""
    fi = torch.finfo(fdt)
    nmant = {torch.float64: 52, torch.float32: 23}[fdt]
    ibits = {torch.float64: torch.int64, torch.float32: torch.int32}[fdt]
    emin = int(np.log2(fi.tiny))                     # -1022 / -126
    normal = ((k - emin + 1).clamp(min=1) << nmant)  # biased exponent field
    sub = torch.ones_like(k) << (k - emin + nmant).clamp(min=0, max=nmant)
    bits = torch.where(k >= emin, normal, sub)
    return bits.to(ibits).view(fdt)


def _ldexp(x, e):
    x, e = torch.broadcast_tensors(x, e.to(torch.int64))
    if x.dtype in (torch.float16, torch.float32):
        # exact in float64; the cast back to the loop dtype is the one rounding
        return _ldexp(x.double(), e)
    m, ex = torch.frexp(x)
    total = (ex.to(torch.int64) + e.clamp(-4000, 4000))
    fmax = 1024
    nsub = -1074
    inf = torch.copysign(torch.full_like(x, float("inf")), x)
    zero = torch.copysign(torch.zeros_like(x), x)
    mid = m * _pow2(total.clamp(nsub, fmax - 1), x.dtype)
    top = (m * 2) * _pow2(torch.full_like(total, fmax - 1), x.dtype)
    r = torch.where(total > fmax, inf, torch.where(total == fmax, top,
                                                   torch.where(total < nsub, zero, mid)))
    return torch.where(torch.isfinite(x) & (x != 0), r, x)


def _gcd_args(a, b, dtypes):
    """|a|, |b| as NumPy's unsigned gcd sees them (int64 compute for narrow types)."""
    dt = dtypes[0]
    if dt.itemsize == 8:
        # |INT64_MIN| and uint64 values >= 2**63 do not fit the int64 compute type
        if bool((a == _I64_MIN).any() | (b == _I64_MIN).any()) if dt.kind == "i" else \
                bool((a < 0).any() | (b < 0).any()):
            raise NotImplementedError(
                "trnpy gcd/lcm: int64 minimum and uint64 values >= 2**63 are not supported "
                "off the NumPy CPU backend")
    a, b = torch.broadcast_tensors(a.to(torch.int64), b.to(torch.int64))
    return a.abs(), b.abs()


def _gcd(a, b, dtypes):
    return torch.gcd(*_gcd_args(a, b, dtypes))


def _lcm(a, b, dtypes):
    a, b = _gcd_args(a, b, dtypes)
    g = torch.gcd(a, b)
    q = torch.div(a, torch.where(g == 0, torch.ones_like(g), g), rounding_mode="trunc")
    return torch.where(g == 0, torch.zeros_like(g), q * b)


# ---------------------------------------------------------------------------
# bitwise
def _lshift(a, b, dtypes):
    width = dtypes[0].itemsize * 8
    a, b = torch.broadcast_tensors(a, b)
    bad = (b < 0) | (b >= width)
    r = torch.bitwise_left_shift(a, torch.where(bad, torch.zeros_like(b), b))
    return torch.where(bad, torch.zeros_like(r), r)


def _rshift(a, b, dtypes):
    dt = dtypes[0]
    width = dt.itemsize * 8
    a, b = torch.broadcast_tensors(a, b)
    bad = (b < 0) | (b >= width)
    bs = torch.where(bad, torch.zeros_like(b), b)
    r = torch.bitwise_right_shift(a, bs)
    if dt == _U64:       # logical shift of the int64 bits
        mask = torch.bitwise_right_shift(torch.full_like(a, _I64_MAX), (bs - 1).clamp(min=0))
        r = torch.where(bs == 0, a, r & mask)
    fill = torch.zeros_like(r)
    if dt.kind == "i":
        fill = torch.where(a < 0, fill - 1, fill)
    return torch.where(bad, fill, r)


def _bitwise_count(x, dtypes):
    """Set bits of |x| (NumPy's rule for signed types); torch has no popcount."""
    dt = dtypes[0]
    t = torch.abs(x) if dt.kind == "i" else x      # abs(min) wraps to min: one bit, as NumPy
    t = t.to(torch.int64)
    if dt.itemsize < 8:
        t = t & ((1 << (dt.itemsize * 8)) - 1)
    top = (t < 0).to(torch.int64)                  # the sign bit apart: shifts are arithmetic
    t = t & _I64_MAX
    t = t - ((t >> 1) & 0x5555555555555555)
    t = (t & 0x3333333333333333) + ((t >> 2) & 0x3333333333333333)
    t = (t + (t >> 4)) & 0x0F0F0F0F0F0F0F0F
    t = t + (t >> 8)
    t = t + (t >> 16)
    t = t + (t >> 32)
    return ((t & 0x7F) + top).to(torch.uint8)


def _compare(op):
    def f(a, b, dtypes):
        da, db = dtypes[0], dtypes[1]
        if da.kind == "c" and op not in (operator.eq, operator.ne):
            ar, ai = _ri(a)
            br, bi = _ri(b)
            nn = ~torch.isnan(ai) & ~torch.isnan(bi)
            strict = operator.lt if op in (operator.lt, operator.le) else operator.gt
            return (strict(ar, br) & nn) | ((ar == br) & op(ai, bi))
        ua, ub = da == _U64, db == _U64
        if ua and ub:
            return op(_ukey(a), _ukey(b))
        if ua or ub:        # int64 against uint64: exact, as NumPy's mixed loops are
            big = (a < 0) if ua else (b < 0)
            const = op(1, 0) if ua else op(0, 1)
            return torch.where(big, const, op(a, b))
        return op(a, b)
    return f


class _CompareUfunc(ufunc):
    """Comparisons also take out-of-range Python ints (``uint8_array < 300``), as NumPy 2
    does: the answer is then the same for every element."""

    def __init__(self, name, np_uf, op):
        super().__init__(name, np_uf, _compare(op), pass_dtypes=True)
        self._op = op

    def _call_torch(self, ops, dev, out, where, dtype, casting):
        loop = self.resolve(ops, dtype, casting)
        for i, o in enumerate(ops):
            other = ops[1 - i]
            if isinstance(o, builtins.int) and not isinstance(o, builtins.bool) \
                    and loop[i].kind in "iu" and isinstance(other, TrnArray) \
                    and other.dtype.kind in "iu":
                info = np.iinfo(loop[i])
                if info.min <= o <= info.max:
                    continue
                s = 1 if o > info.max else -1
                const = self._op(0, s) if i == 1 else self._op(s, 0)
                shape = other._t.shape
                res = torch.full(shape, const, dtype=torch.bool, device=dev.torch_device)
                return _finish(self.__name__, res, loop[-1], dev, out, where)
        return super()._call_torch(ops, dev, out, where, dtype, casting)


def _finish(name, res, res_dtype, dev, out, where):
    res = _tensor.from_compute(res, res_dtype)
    if out is None:
        if where is not True:
            raise NotImplementedError(f"trnpy.{name}: where= without out= leaves unspecified "
                                      "values; pass out= as well")
        return TrnArray._new(res, dev)
    mask = None
    if where is not True:
        mask = where._t if isinstance(where, TrnArray) else \
            torch.tensor(builtins.bool(where), device=dev.torch_device)
    _normalize.write_out(name, out, res, res_dtype, "same_kind", mask)
    return out


def _extremum(is_max, nan_ignoring):
    def f(a, b, dtypes):
        dt = dtypes[0]
        if dt.kind == "c":
            ar, ai = _ri(a)
            br, bi = _ri(b)
            nn = ~torch.isnan(ai) & ~torch.isnan(bi)
            if is_max:
                ge = ((ar > br) & nn) | ((ar == br) & (ai >= bi))
            else:
                ge = ((ar < br) & nn) | ((ar == br) & (ai <= bi))
            if nan_ignoring:
                take_a = _isnan_c(b) | ge
            else:
                take_a = _isnan_c(a) | ge
            return torch.where(take_a, a, b)
        if dt == _U64:
            ka, kb = _ukey(a), _ukey(b)
        else:
            ka, kb = a, b
        ge = (ka >= kb) if is_max else (ka <= kb)
        if dt.kind == "f":
            ge = ge | torch.isnan(b if nan_ignoring else a)
        return torch.where(ge, a, b)
    return f


# ---------------------------------------------------------------------------
# the ufunc objects
_P = {"pass_dtypes": True}

absolute = abs = _u("absolute", np.absolute, _abs, **_P)
fabs = _u("fabs", np.fabs, _fabs)
arccos = acos = _u("arccos", np.arccos, "acos")
arccosh = acosh = _u("arccosh", np.arccosh, "acosh")
arcsin = asin = _u("arcsin", np.arcsin, "asin")
arcsinh = asinh = _u("arcsinh", np.arcsinh, "asinh")
arctan = atan = _u("arctan", np.arctan, "atan")
arctanh = atanh = _u("arctanh", np.arctanh, "atanh")
cos = _u("cos", np.cos, "cos")
cosh = _u("cosh", np.cosh, "cosh")
sin = _u("sin", np.sin, "sin")
sinh = _u("sinh", np.sinh, "sinh")
tan = _u("tan", np.tan, "tan")
tanh = _u("tanh", np.tanh, "tanh")
exp = _u("exp", np.exp, "exp")
exp2 = _u("exp2", np.exp2, "exp2")
expm1 = _u("expm1", np.expm1, "expm1")
log = _u("log", np.log, "log")
log1p = _u("log1p", np.log1p, _log1p)
log2 = _u("log2", np.log2, "log2")
log10 = _u("log10", np.log10, "log10")
sqrt = _u("sqrt", np.sqrt, _sqrt)
cbrt = _u("cbrt", np.cbrt, _cbrt)
square = _u("square", np.square, _square)
ceil = _u("ceil", np.ceil, _identity_int("ceil"))
floor = _u("floor", np.floor, _identity_int("floor"))
trunc = _u("trunc", np.trunc, _identity_int("trunc"))
rint = _u("rint", np.rint, _identity_int(_rint))
conjugate = conj = _u("conjugate", np.conjugate, _conj)
negative = _u("negative", np.negative, _negative)
positive = _u("positive", np.positive, _positive)
reciprocal = _u("reciprocal", np.reciprocal, _reciprocal, **_P)
sign = _u("sign", np.sign, _sign, **_P)
signbit = _u("signbit", np.signbit, "signbit")
isfinite = _u("isfinite", np.isfinite, _isfinite)
isinf = _u("isinf", np.isinf, "isinf")
isnan = _u("isnan", np.isnan, "isnan")
logical_not = _u("logical_not", np.logical_not, "logical_not")
bitwise_invert = bitwise_not = invert = _u("invert", np.invert, "bitwise_not")
deg2rad = radians = _u("deg2rad", np.deg2rad, _deg2rad)
rad2deg = degrees = _u("rad2deg", np.rad2deg, _rad2deg)
spacing = _u("spacing", np.spacing, _spacing)

add = _u("add", np.add, _add, direct=_real_direct("add", "biuf"))
subtract = _u("subtract", np.subtract, _subtract, direct=_real_direct("sub", "iuf"))
multiply = _u("multiply", np.multiply, _multiply, direct=_real_direct("mul", "iuf"))
divide = true_divide = _u("divide", np.divide, _divide, direct=_real_direct("div", "f"))
floor_divide = _u("floor_divide", np.floor_divide, _floor_divide, **_P)
remainder = mod = _u("remainder", np.remainder, _remainder, **_P)
fmod = _u("fmod", np.fmod, _fmod, **_P)
pow = power = _u("power", np.power, _pow, **_P)
float_power = _u("float_power", np.float_power, _float_power)
arctan2 = atan2 = _u("arctan2", np.arctan2, "atan2")
hypot = _u("hypot", np.hypot, "hypot")
copysign = _u("copysign", np.copysign, "copysign")
nextafter = _u("nextafter", np.nextafter, _nextafter_t)
logaddexp = _u("logaddexp", np.logaddexp, _logaddexp)
logaddexp2 = _u("logaddexp2", np.logaddexp2, _logaddexp2)
heaviside = _u("heaviside", np.heaviside, _heaviside)
ldexp = _u("ldexp", np.ldexp, _ldexp)
gcd = _u("gcd", np.gcd, _gcd, **_P)
lcm = _u("lcm", np.lcm, _lcm, **_P)
bitwise_and = _u("bitwise_and", np.bitwise_and, "bitwise_and")
bitwise_or = _u("bitwise_or", np.bitwise_or, "bitwise_or")
bitwise_xor = _u("bitwise_xor", np.bitwise_xor, "bitwise_xor")
bitwise_left_shift = left_shift = _u("left_shift", np.left_shift, _lshift, **_P)
bitwise_right_shift = right_shift = _u("right_shift", np.right_shift, _rshift, **_P)
bitwise_count = _u("bitwise_count", np.bitwise_count, _bitwise_count, **_P)
logical_and = _u("logical_and", np.logical_and, "logical_and")
logical_or = _u("logical_or", np.logical_or, "logical_or")
logical_xor = _u("logical_xor", np.logical_xor, "logical_xor")
maximum = _u("maximum", np.maximum, _extremum(True, False), **_P)
minimum = _u("minimum", np.minimum, _extremum(False, False), **_P)
fmax = _u("fmax", np.fmax, _extremum(True, True), **_P)
fmin = _u("fmin", np.fmin, _extremum(False, True), **_P)



def _divmod(a, b, dtypes):
    dt = dtypes[0]
    if dt.kind == "f":
        return _fdivmod(a, b)
    a, bs, zb = _int_div_setup(a, b, dt, "divmod")
    if dt == _U64:
        q, r = _udivmod64(a, bs)
    else:
        q, r = torch.div(a, bs, rounding_mode="floor"), torch.remainder(a, bs)
    zero = torch.zeros_like(q)
    return torch.where(zb, zero, q), torch.where(zb, zero, r)


def _frexp(x):
    m, e = torch.frexp(_up(x))
    return m, e.to(torch.int32)


def _modf(x):
    x32 = _up(x)
    ip = torch.trunc(x32)
    frac = torch.where(torch.isinf(x32), torch.zeros_like(x32), x32 - ip)
    return torch.copysign(frac, x32), ip


divmod = _u("divmod", np.divmod, _divmod, **_P)
frexp = _u("frexp", np.frexp, _frexp)
modf = _u("modf", np.modf, _modf)

less = _CompareUfunc("less", np.less, operator.lt)
less_equal = _CompareUfunc("less_equal", np.less_equal, operator.le)
greater = _CompareUfunc("greater", np.greater, operator.gt)
greater_equal = _CompareUfunc("greater_equal", np.greater_equal, operator.ge)
equal = _CompareUfunc("equal", np.equal, operator.eq)
not_equal = _CompareUfunc("not_equal", np.not_equal, operator.ne)

# NumPy's 3-input clip loop (nan-propagating, lexicographic for complex)
_np_clip = np._core.umath.clip


def _clip3(x, lo, hi, dtypes):
    return _extremum(False, False)(_extremum(True, False)(x, lo, dtypes), hi, dtypes)


def _clamp_direct(loop):
    # torch.clamp is NumPy's clip loop (NaN and signed zeros alike, one pass, no
    # temporaries) where torch orders the compute dtype as NumPy orders the loop's
    return torch.clamp if loop[0].kind in "fi" or loop[0].kind == "u" and \
        loop[0].itemsize < 8 else None


_clip_ufunc = _u("clip", _np_clip, _clip3, direct=_clamp_direct, **_P)


# ---------------------------------------------------------------------------
# functions that are not ufuncs in NumPy either
_NOVALUE = object()


def clip(x, /, min=_NOVALUE, max=_NOVALUE, out=None, *, a_min=_NOVALUE, a_max=_NOVALUE,
         **kwargs):
    """Array API ``clip(x, /, min=None, max=None)``; NumPy's ``clip(a, a_min, a_max)`` too."""
    if a_min is not _NOVALUE or a_max is not _NOVALUE:
        if min is not _NOVALUE or max is not _NOVALUE:
            raise ValueError("Passing `min` or `max` keyword argument when `a_min` and "
                             "`a_max` are provided is forbidden.")
        min, max = a_min, a_max
    min = None if min is _NOVALUE else min
    max = None if max is _NOVALUE else max
    x = _convert.as_array(x)
    if x.dtype.kind in "iu":
        # out-of-range Python ints clip nothing (NumPy's NEP 50 handling)
        info = np.iinfo(x.dtype)
        if type(min) is builtins.int and min <= info.min:
            min = None
        if type(max) is builtins.int and max >= info.max:
            max = None
    if min is None and max is None:
        return positive(x, out=out, **kwargs)
    if min is None:
        return minimum(x, max, out=out, **kwargs)
    if max is None:
        return maximum(x, min, out=out, **kwargs)
    return _clip_ufunc(x, min, max, out=out, **kwargs)


def round(x, /, decimals=0, out=None):
    """``round(x, decimals=0)``: half to even, NumPy's scaling for ``decimals``."""
    x = _convert.as_array(x)
    decimals = operator.index(decimals)
    _normalize.check_out(out, "round")
    dev = x._device if out is None else _convert.same_device(x, out)
    if _dispatch.use_numpy(dev):
        if out is not None:
            np.round(_convert.np_view(x), decimals, out=_convert.np_view(out))
            return out
        return _convert.wrap(np.round(_convert.np_view(x), decimals), dev)
    dt = x.dtype
    if dt.kind == "b":
        if decimals != 0:
            raise TypeError(f"round: cannot round a bool array to {decimals} decimals "
                            "(NumPy's multiply output cast fails)")
        return rint(x, out=out)
    t = _tensor.compute_tensor(x._t)
    if dt.kind in "iu":
        if decimals >= 0:       # NumPy returns a copy
            res = t.clone()
        else:
            f = torch.tensor(10.0 ** -decimals, dtype=torch.float64, device=t.device)
            res = _tensor.cast_tensor(torch.round(_tensor.cast_tensor(x._t, np.float64) / f) * f,
                                        dt)
            res = _tensor.compute_tensor(res)
    else:
        def rnd(v):
            if decimals == 0:
                return torch.round(v)
            f = torch.tensor(10.0 ** builtins.abs(decimals), dtype=v.dtype, device=v.device)
            if decimals > 0:
                return torch.round(v * f) / f
            return torch.round(v / f) * f
        if dt.kind == "c":
            re, im = _ri(t)
            res = _cplx(rnd(re), rnd(im))
        else:
            res = rnd(t)
    return _finish("round", res, dt, dev, out, True)


around = round


def _part(x, part):
    # a view of the memory (reversed dims kept), so writes through it reach x
    t, dims = phys(x)
    return set_base(TrnArray._flipped(part(t), dims, x._device), x)


def real(x, /):
    """The real part: a view for complex input, ``x`` itself for real input (NumPy's)."""
    x = _convert.as_array(x)
    return _part(x, torch.real) if x.dtype.kind == "c" else x


def imag(x, /):
    """The imaginary part: a view for complex input; read-only zeros for real input."""
    x = _convert.as_array(x)
    if x.dtype.kind == "c":
        return _part(x, torch.imag)
    return mark_readonly(TrnArray._new(torch.zeros_like(x._t), x._device))
