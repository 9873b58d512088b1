"""What NKI 0.3 (Neuron SDK 2.29) accepts on trn1 (NeuronCore-v2) and trn2 (NeuronCore-v3):
the tables and rules the emulator enforces, each with the file of repository
``aws-neuron/aws-neuron-sdk`` at tag ``v2.29.0`` that documents it.

Every violation raises :class:`NKIEmulatorError` through :func:`violation`, whose message
names the rule and its source, e.g. ``[alu-op] ... (NKI 0.3 rule: ...; source:
aws-neuron-sdk v2.29.0 nki/api/nki.api.shared.rst)``.
"""
from __future__ import annotations

import math

from ._errors import NKIEmulatorError

SDK = "aws-neuron-sdk v2.29.0"
SHARED = SDK + " nki/api/nki.api.shared.rst"
ISA = SDK + " nki/api/nki/isa/__init__.py"
LANG_STUB = SDK + " nki/api/nki/language/__init__.py"
UPDATE = SDK + " nki/deep-dives/nki-0-3-0-update-guide.rst"
LANG = SDK + " nki/get-started/nki-language-guide.rst"
APS = SDK + " nki/deep-dives/nki-aps.rst"
TRN2 = SDK + " nki/guides/architecture/trainium2_arch.rst"
DMA_GUIDE = SDK + " nki/deep-dives/nki-dma-bandwidth-guide.rst"
DYN = SDK + " nki/deep-dives/nki-dynamic-loops.rst"
NOTES = ("shared/nki-notes.md (third-party reports; AWS's nki-library / nki-samples kernels "
         "use none)")

# rule id -> (what the rule says, source file)
RULES = {
    "alu-op": ("op= of tensor_tensor / tensor_scalar / tensor_reduce must be in the ALU-op "
               "table (tbl-aluop)", SHARED),
    "reduce-op": ("tensor_reduce op must be marked 'Legal Reduction op: Y' in tbl-aluop",
                  SHARED),
    "activation-op": ("activation op must be in the activation table (tbl-act-func)", SHARED),
    "activation-range": ("activation inputs must lie in the function's Valid Input Range "
                         "(tbl-act-func)", SHARED),
    "engine-op": ("engine / operator combinations: tensor_scalar on GpSimd for rsqrt only; "
                  "ScalarE tensor_scalar for multiply/add combinations only; bitvec on "
                  "VectorE only", ISA + " (tensor_scalar, tensor_tensor)"),
    "engine": ("instruction not available on this engine / target", ISA),
    "enum-int": ("enum parameters take nki.isa enum members, not raw integers", UPDATE),
    "memset-dtype": ("memset value must match the tile's dtype (int tiles: int literal; "
                     "float tiles: float literal)", UPDATE + " (nisa.memset - Strict Type "
                                                            "Matching)"),
    "transpose-dtype": ("TensorE nc_transpose has no fp8 (NC-v3 transpose mode writes 16-bit "
                        "PSUM elements for fp8); dst dtype == data dtype", TRN2 + ", " + ISA),
    "dma-transpose-dtype": ("dma_transpose needs a 2-byte dtype", ISA + " (dma_transpose)"),
    "hwdge": ("dge_mode=hwdge exists on NeuronCore-v3+ only and does not cast (src and dst "
              "dtypes must match)", UPDATE + " (dma_copy - dge_mode Type Matching), " + ISA),
    "permute": ("NkiTensor.permute does not exist in NKI 0.3 (added in SDK 2.31 / NKI 0.5); "
                "use .ap() access patterns", LANG_STUB + " (v2.29.0 has no view methods; "
                                                        "v2.31.0 adds permute)"),
    "access-pattern": (".ap() only on a whole nl.ndarray, partition step = elements per "
                       "partition", APS),
    "buffer-str": ("buffer= takes nl.sbuf / nl.psum / nl.hbm / nl.shared_hbm, not strings",
                   UPDATE),
    "int32": ("Python integers in NKI code are 32-bit: literals and operands must lie in "
              "[-2^31, 2^31)", LANG + " (NKI Values: 32-bit integer values)"),
    "kernel-arg": ("kernel arguments: tensors, None, bool, 32-bit int, float, str, tuples, "
                   "string-keyed dicts (no lists)", UPDATE + " (Replace List Kernel Arguments "
                                                           "with Tuples), " + LANG),
    "comprehension": ("no list / set / dict comprehensions or generator expressions in "
                      "traced code", LANG + " (values and control flow listed there); " + NOTES),
    "inner-function": ("no inner def / lambda / class in traced code", NOTES),
    "builtin": ("no enumerate / zip / sorted / set / frozenset / any / all / map / filter / "
                "reversed / sum / iter / next in traced code", NOTES),
    "dict-key": ("dictionaries take string keys only", LANG + ", " + UPDATE),
    "set": ("no sets (not an NKI value type)", LANG),
    "unpacking": ("no *args / **kwargs unpacking or starred assignment; no keyword-only "
                  "'*' in signatures", UPDATE + " (Remove Keyword-Only Argument Separator); "
                  + NOTES),
    "numpy": ("no NumPy calls (np.dtype, np.* functions) in traced code", NOTES),
    "is": ("no 'is' / 'is not' except against None", UPDATE + " (Replace is / is not); "
           + NOTES),
    "dynamic-loop": ("nl.dynamic_range compiles one copy of its body (the same instructions "
                     "every iteration); its loop variable is a device register, not a Python "
                     "int", DYN),
    "statement": ("no try / import / global / nonlocal / yield in traced code",
                  LANG + " (Control Flow); " + NOTES),
}


def violation(rule, detail):
    what, src = RULES[rule]
    raise NKIEmulatorError(f"[{rule}] {detail} (NKI 0.3 rule: {what}; source: {src})")


TARGETS = ("trn1", "trn2")

# --------------------------------------------------------------------------- ALU ops
# tbl-aluop of nki/api/nki.api.shared.rst at v2.29.0 (identical for NeuronCore-v2 and -v3;
# abs_max / abs_min arrive in SDK 2.31 for trn3 only, release-notes/components/nki.rst).
_BITVEC = ("invert", "bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift")
_ARITH = ("add", "subtract", "multiply", "maximum", "minimum", "equal", "not_equal",
          "greater_equal", "greater", "less_equal", "less", "logical_and", "logical_or",
          "logical_xor", "rsqrt", "reciprocal", "abs", "power")
_REDUCIBLE = ("bitwise_and", "bitwise_or", "bitwise_xor", "add", "subtract", "multiply",
              "maximum", "minimum", "logical_and", "logical_or", "logical_xor")
ALU_OPS = {t: frozenset(_BITVEC + _ARITH) for t in TARGETS}
ALU_REDUCIBLE = {t: frozenset(_REDUCIBLE) for t in TARGETS}

# --------------------------------------------------------------------------- activations
# tbl-act-func of nki/api/nki.api.shared.rst at v2.29.0: name -> valid input range
# (lo, hi, symmetric: the range applies to |x|).
_INF = math.inf
_ACT = {
    "copy": None, "square": None, "sigmoid": None, "relu": None, "gelu": None,
    "gelu_dx": None, "gelu_apprx_tanh": None, "gelu_apprx_sigmoid": None,
    "gelu_apprx_sigmoid_dx": None, "silu": None, "silu_dx": None, "tanh": None,
    "softplus": None, "mish": None, "erf": None, "erf_dx": None, "exp": None,
    "log": (2.0 ** -64, 2.0 ** 64, False),
    "sin": (-math.pi, math.pi, False),
    "arctan": (-math.pi / 2, math.pi / 2, False),
    "sqrt": (2.0 ** -116, 2.0 ** 118, False),
    "rsqrt": (2.0 ** -87, 2.0 ** 97, False),
    "reciprocal": (2.0 ** -42, 2.0 ** 42, True),
    "sign": None, "abs": None,
}
ACTIVATIONS = {t: dict(_ACT) for t in TARGETS}

# --------------------------------------------------------------------------- engines
# nisa.tensor_scalar (ISA stub): engine=gpsimd "only allowed for rsqrt"; "The Scalar Engine
# on trn2 only supports" these (op0, op1) combinations. trn1: the docs list no ScalarE
# tensor_scalar combinations; we apply the trn2 list (our assumption, the stricter reading).
TENSOR_SCALAR_GPSIMD = frozenset({"rsqrt"})
TENSOR_SCALAR_SCALARE = frozenset({("multiply", "add"), ("multiply", None), ("add", None)})
# nisa.tensor_copy: "On NeuronCore v2, tensor_copy is not supported on the Scalar Engine".
TENSOR_COPY_ENGINES = {"trn1": ("vector", "gpsimd"), "trn2": ("vector", "gpsimd", "scalar")}
# nisa.activation: "In NeuronCore-v2, the bias must be a [N, 1] vector".
ACT_SCALAR_BIAS = {"trn1": False, "trn2": True}
# nisa.dma_copy: "Hardware based DGE is only supported for NeuronCore-v3 or newer".
HWDGE = {"trn1": False, "trn2": True}

INT32_MIN, INT32_MAX = -2 ** 31, 2 ** 31 - 1


def check_int32(v, what):
    """A Python int that NKI code would hold as a 32-bit integer."""
    if isinstance(v, int) and not isinstance(v, bool) and not INT32_MIN <= v <= INT32_MAX:
        violation("int32", f"{what} = {v} does not fit a 32-bit integer (precompute limbs "
                           f"or halves on the host)")
    return v


def check_enum(v, enum_cls, what):
    if isinstance(v, int) and not isinstance(v, bool):
        violation("enum-int", f"{what}={v!r}: pass a member of nki.isa.{enum_cls.__name__}")
    return v
