/* C versions of TrnArray's and ufunc's hot paths (optional: trnpy/_hotpath.py has the
 * pure-Python equivalents and uses them when this module is not built).
 *
 * Two things are done here. The fast path of trnpy/_array.py and trnpy/_ufunc.py: when
 * every array operand is a CPU TrnArray holding its NumPy view and the CPU backend is
 * NumPy, call the NumPy function on the views and wrap the result. And the torch path's
 * simplest case (torch_direct): operands holding tensors of one dtype and shape, for a
 * loop that ufunc._call has resolved and cached with a torch function that is the whole
 * loop. Everything else goes to the Python implementation registered by setup(), so
 * behaviour is defined in one place (Python) and this file only removes interpreter
 * overhead on tiny inputs. ArrayBase._new is TrnArray._new without the interpreter. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

/* binary operators, in the order trnpy/_hotpath.py registers them */
enum { OP_ADD, OP_SUB, OP_MUL, OP_TRUEDIV, OP_FLOORDIV, OP_MOD, OP_POW, OP_MATMUL,
       OP_AND, OP_OR, OP_XOR, OP_LSHIFT, OP_RSHIFT,
       OP_LT, OP_LE, OP_EQ, OP_NE, OP_GT, OP_GE, N_OPS };

static PyTypeObject *array_type;   /* TrnArray, the Python subclass of ArrayBase */
static PyObject *cpu_device;       /* trnpy's CPU Device singleton */
static PyObject *backend_var;      /* contextvar: "numpy" or "torch" */
static PyTypeObject *ndarray_type;
static PyObject *host_result;      /* _dispatch.host_result: non-ndarray results */
static PyObject *getitem_slow;     /* f(array, key) */
static PyObject *getitem_torch;    /* f(array, key) for arrays on the torch path */
static PyObject *np_funcs[N_OPS];  /* NumPy ufunc of each operator, or None */
static PyObject *forward[N_OPS];   /* Python operator f(self, other) */
static PyObject *reflected[N_OPS]; /* Python reflected operator f(self, other) */
static PyObject *ufuncs[N_OPS];    /* trnpy ufunc of each operator, or None */
static PyObject *str_call;         /* "_call" */
static PyObject *str_dtype;        /* "dtype" */
static PyObject *str_shape;        /* "shape" */
static int ready;

typedef struct {
    PyObject_HEAD
    PyObject *tt;      /* torch.Tensor or NULL/None (made on first use) */
    PyObject *device;
    PyObject *np;      /* zero-copy NumPy view or NULL/None */
    PyObject *fl;      /* NULL/None, or (tensor, dims) of a view with reversed dims */
    PyObject *base;    /* NULL/None, or the array owning a view's memory (NumPy's .base) */
    PyObject *ro;      /* NULL/None, or True: read-only (NumPy's WRITEABLE flag off) */
    PyObject *weakrefs;
} ArrayObject;

static PyTypeObject ArrayBaseType;

/* the NumPy view of a host TrnArray on the NumPy backend's fast path (borrowed), else NULL */
static PyObject *
host_view(PyObject *o)
{
    if (Py_TYPE(o) != array_type)
        return NULL;
    ArrayObject *a = (ArrayObject *)o;
    if (a->device != cpu_device || a->np == NULL || a->np == Py_None)
        return NULL;
    return a->np;
}

static int
numpy_backend(void)
{
    PyObject *val = NULL;
    if (PyContextVar_Get(backend_var, NULL, &val) < 0) {
        PyErr_Clear();
        return 0;
    }
    int ok = val != NULL && PyUnicode_Check(val)
             && PyUnicode_CompareWithASCIIString(val, "numpy") == 0;
    Py_XDECREF(val);
    return ok;
}

static int
weak_scalar(PyObject *o)
{
    return PyLong_CheckExact(o) || PyFloat_CheckExact(o) || PyComplex_CheckExact(o)
           || PyBool_Check(o);
}

/* TrnArray around NumPy result r (steals r) */
static PyObject *
wrap(PyObject *r)
{
    if (r == NULL)
        return NULL;
    if (Py_TYPE(r) == ndarray_type) {
        ArrayObject *o = (ArrayObject *)array_type->tp_alloc(array_type, 0);
        if (o == NULL) {
            Py_DECREF(r);
            return NULL;
        }
        Py_INCREF(cpu_device);
        o->device = cpu_device;
        o->np = r;
        return (PyObject *)o;
    }
    PyObject *res = PyObject_CallOneArg(host_result, r);   /* 0-d: NumPy gave a scalar */
    Py_DECREF(r);
    return res;
}

static PyObject *
call2(PyObject *f, PyObject *a, PyObject *b)
{
    PyObject *args[2] = {a, b};
    return PyObject_Vectorcall(f, args, 2, NULL);
}

/* f(x, y) on the fast path, or NULL without an exception when it does not apply */
static PyObject *
fast2(PyObject *f, PyObject *x, PyObject *y, int *done)
{
    PyObject *a = host_view(x), *b = host_view(y);
    *done = 1;
    if (a != NULL && b != NULL)
        return wrap(call2(f, a, b));
    if (a != NULL && weak_scalar(y))
        return wrap(call2(f, a, y));
    if (b != NULL && weak_scalar(x))
        return wrap(call2(f, x, b));
    *done = 0;
    return NULL;
}

static PyObject *torch_direct(PyObject *uf, PyObject *x, PyObject *y, int *done);

static PyObject *
binop(PyObject *v, PyObject *w, int op)
{
    if (!ready) {
        PyErr_SetString(PyExc_RuntimeError, "trnpy._speedups.setup() was not called");
        return NULL;
    }
    if (np_funcs[op] != Py_None && numpy_backend()) {
        int done;
        PyObject *r = fast2(np_funcs[op], v, w, &done);
        if (done)
            return r;
    }
    if (ufuncs[op] != Py_None && Py_TYPE(w) == array_type) {
        int done;
        PyObject *r = torch_direct(ufuncs[op], v, w, &done);
        if (done)
            return r;
    }
    if (PyObject_TypeCheck(v, &ArrayBaseType))
        return call2(forward[op], v, w);
    return call2(reflected[op], w, v);
}

#define BINOP(name, op) \
    static PyObject *name(PyObject *v, PyObject *w) { return binop(v, w, op); }
BINOP(nb_add, OP_ADD)
BINOP(nb_sub, OP_SUB)
BINOP(nb_mul, OP_MUL)
BINOP(nb_truediv, OP_TRUEDIV)
BINOP(nb_floordiv, OP_FLOORDIV)
BINOP(nb_mod, OP_MOD)
BINOP(nb_matmul, OP_MATMUL)
BINOP(nb_and, OP_AND)
BINOP(nb_or, OP_OR)
BINOP(nb_xor, OP_XOR)
BINOP(nb_lshift, OP_LSHIFT)
BINOP(nb_rshift, OP_RSHIFT)

static PyObject *
nb_pow(PyObject *v, PyObject *w, PyObject *z)
{
    if (z != Py_None)
        Py_RETURN_NOTIMPLEMENTED;     /* pow(a, b, mod): NumPy arrays refuse it too */
    return binop(v, w, OP_POW);
}

static PyObject *
richcompare(PyObject *v, PyObject *w, int cmp)
{
    static const int ops[] = {OP_LT, OP_LE, OP_EQ, OP_NE, OP_GT, OP_GE};
    return binop(v, w, ops[cmp]);     /* v is always the array here */
}

static PyObject *
subscript(PyObject *self, PyObject *key)
{
    if (!ready) {
        PyErr_SetString(PyExc_RuntimeError, "trnpy._speedups.setup() was not called");
        return NULL;
    }
    PyObject *v = host_view(self), *k;
    if (v != NULL && (k = host_view(key)) != NULL && numpy_backend()) {
        PyObject *r = PyObject_GetItem(v, k);
        if (r == NULL || Py_TYPE(r) == ndarray_type)
            return wrap(r);
        Py_DECREF(r);      /* an element (0-d key): a value, made by getitem_slow */
    }
    /* getitem_slow's own first step: which path the array's device takes */
    if (((ArrayObject *)self)->device != cpu_device || !numpy_backend())
        return call2(getitem_torch, self, key);
    return call2(getitem_slow, self, key);
}

static int
array_traverse(ArrayObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->tt);
    Py_VISIT(self->device);
    Py_VISIT(self->np);
    Py_VISIT(self->fl);
    Py_VISIT(self->base);
    Py_VISIT(self->ro);
    return 0;
}

static int
array_clear(ArrayObject *self)
{
    Py_CLEAR(self->tt);
    Py_CLEAR(self->device);
    Py_CLEAR(self->np);
    Py_CLEAR(self->fl);
    Py_CLEAR(self->base);
    Py_CLEAR(self->ro);
    return 0;
}

static void
array_dealloc(ArrayObject *self)
{
    PyObject_GC_UnTrack(self);
    if (self->weakrefs != NULL)
        PyObject_ClearWeakRefs((PyObject *)self);
    array_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* TrnArray of type cls around tensor t on device dev (new reference) */
static PyObject *
new_array(PyTypeObject *cls, PyObject *t, PyObject *dev)
{
    ArrayObject *o = (ArrayObject *)cls->tp_alloc(cls, 0);
    if (o == NULL)
        return NULL;
    o->tt = Py_NewRef(t);
    o->device = Py_NewRef(dev);
    return (PyObject *)o;
}

/* ArrayBase._new(t, device): the array around tensor t (its _np left None) */
static PyObject *
array_new_classmethod(PyObject *cls, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "_new(t, device) takes 2 arguments");
        return NULL;
    }
    if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, &ArrayBaseType)) {
        PyErr_SetString(PyExc_TypeError, "_new: not an array type");
        return NULL;
    }
    return new_array((PyTypeObject *)cls, args[0], args[1]);
}

static PyMethodDef array_methods[] = {
    {"_new", (PyCFunction)(void (*)(void))array_new_classmethod, METH_FASTCALL | METH_CLASS,
     "_new(t, device): the array around tensor t on device (no NumPy view yet)"},
    {NULL}
};

static PyMemberDef array_members[] = {
    {"_tt", T_OBJECT, offsetof(ArrayObject, tt), 0, NULL},
    {"_device", T_OBJECT, offsetof(ArrayObject, device), 0, NULL},
    {"_np", T_OBJECT, offsetof(ArrayObject, np), 0, NULL},
    {"_fl", T_OBJECT, offsetof(ArrayObject, fl), 0, NULL},
    {"_base", T_OBJECT, offsetof(ArrayObject, base), 0, NULL},
    {"_ro", T_OBJECT, offsetof(ArrayObject, ro), 0, NULL},
    {NULL}
};

static PyNumberMethods array_as_number = {
    .nb_add = nb_add, .nb_subtract = nb_sub, .nb_multiply = nb_mul,
    .nb_remainder = nb_mod, .nb_power = nb_pow, .nb_lshift = nb_lshift,
    .nb_rshift = nb_rshift, .nb_and = nb_and, .nb_xor = nb_xor, .nb_or = nb_or,
    .nb_floor_divide = nb_floordiv, .nb_true_divide = nb_truediv,
    .nb_matrix_multiply = nb_matmul,
};

static PyMappingMethods array_as_mapping = {.mp_subscript = subscript};

static PyTypeObject ArrayBaseType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "trnpy._speedups.ArrayBase",
    .tp_basicsize = sizeof(ArrayObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "TrnArray's storage and C fast paths (see trnpy/_hotpath.py)",
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)array_dealloc,
    .tp_traverse = (traverseproc)array_traverse,
    .tp_clear = (inquiry)array_clear,
    .tp_weaklistoffset = offsetof(ArrayObject, weakrefs),
    .tp_members = array_members,
    .tp_methods = array_methods,
    .tp_as_number = &array_as_number,
    .tp_as_mapping = &array_as_mapping,
    .tp_richcompare = richcompare,
};

/* ---- ufunc ------------------------------------------------------------------------ */
typedef struct {
    PyObject_HEAD
    PyObject *np;          /* the NumPy ufunc */
    int fast_nargs;        /* nin for single-output ufuncs, else -1 (no fast path) */
    PyObject *loops;       /* ufunc._loops: the torch fast path's resolved loops */
} UfuncObject;

/* The torch fast path's C part: ufunc ``uf`` on TrnArray x (and y, NULL for unary), both
 * holding tensors of one dtype and, for two, one shape, on one device that is not the
 * CPU on the NumPy backend; only for loops that ufunc._call resolved and marked direct
 * (entry[6] is True: no casts, no error checks, a torch function that is NumPy's loop).
 * Calls entry[5] on the tensors and wraps the result. *done = 0 (and NULL, no exception)
 * when it does not apply: Python's _call decides then. */
static PyObject *
torch_direct(PyObject *uf, PyObject *x, PyObject *y, int *done)
{
    *done = 0;
    PyObject *loops = ((UfuncObject *)uf)->loops;
    if (!ready || loops == NULL || !PyDict_CheckExact(loops) || Py_TYPE(x) != array_type)
        return NULL;
    ArrayObject *a = (ArrayObject *)x, *b = (ArrayObject *)y;
    if (a->tt == NULL || a->tt == Py_None)
        return NULL;
    if (b != NULL) {
        if (Py_TYPE(y) != array_type || b->device != a->device || b->tt == NULL
                || b->tt == Py_None)
            return NULL;
    }
    if (a->device == cpu_device && numpy_backend())
        return NULL;
    PyObject *dt = PyObject_GetAttr(a->tt, str_dtype);
    if (dt == NULL) {
        PyErr_Clear();
        return NULL;
    }
    if (b != NULL) {
        PyObject *dt2 = PyObject_GetAttr(b->tt, str_dtype);
        int same = dt2 == dt;         /* torch dtypes are singletons */
        Py_XDECREF(dt2);
        if (!same) {
            Py_DECREF(dt);
            PyErr_Clear();
            return NULL;
        }
    }
    PyObject *entry = PyDict_GetItemWithError(loops, dt);
    Py_DECREF(dt);
    if (entry == NULL || !PyTuple_CheckExact(entry) || PyTuple_GET_SIZE(entry) < 7
            || PyTuple_GET_ITEM(entry, 6) != Py_True
            || PyTuple_GET_ITEM(entry, 0) != a->device) {
        PyErr_Clear();
        return NULL;
    }
    Py_INCREF(entry);                 /* the call below may run Python code */
    PyObject *fn = PyTuple_GET_ITEM(entry, 5);
    PyObject *res;
    if (b == NULL)
        res = PyObject_CallOneArg(fn, a->tt);
    else {
        PyObject *s1 = PyObject_GetAttr(a->tt, str_shape);
        PyObject *s2 = s1 == NULL ? NULL : PyObject_GetAttr(b->tt, str_shape);
        int same = s2 == NULL ? -1 : PyObject_RichCompareBool(s1, s2, Py_EQ);
        Py_XDECREF(s1);
        Py_XDECREF(s2);
        if (same != 1) {              /* broadcasting (and its errors): Python */
            if (same < 0)
                PyErr_Clear();
            Py_DECREF(entry);
            return NULL;
        }
        res = call2(fn, a->tt, b->tt);
    }
    *done = 1;
    PyObject *r = NULL;
    if (res != NULL) {
        PyObject *rdt = PyObject_GetAttr(res, str_dtype);
        if (rdt != NULL && rdt != PyTuple_GET_ITEM(entry, 2)) {
            *done = 0;                /* not the loop's dtype: Python decides */
            Py_CLEAR(rdt);
        }
        else if (rdt != NULL)
            r = new_array(array_type, res, a->device);
        Py_XDECREF(rdt);
        Py_DECREF(res);
    }
    Py_DECREF(entry);
    return r;
}

static PyObject *
ufunc_call(UfuncObject *self, PyObject *args, PyObject *kwargs)
{
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    if (ready && self->np != NULL && n == self->fast_nargs
            && (kwargs == NULL || PyDict_GET_SIZE(kwargs) == 0) && numpy_backend()) {
        if (n == 1) {
            PyObject *a = host_view(PyTuple_GET_ITEM(args, 0));
            if (a != NULL)
                return wrap(PyObject_CallOneArg(self->np, a));
        }
        else if (n == 2) {
            int done;
            PyObject *r = fast2(self->np, PyTuple_GET_ITEM(args, 0),
                                PyTuple_GET_ITEM(args, 1), &done);
            if (done)
                return r;
        }
    }
    if (ready && n == self->fast_nargs && n <= 2
            && (kwargs == NULL || PyDict_GET_SIZE(kwargs) == 0)) {
        int done;
        PyObject *r = torch_direct((PyObject *)self, PyTuple_GET_ITEM(args, 0),
                                   n == 2 ? PyTuple_GET_ITEM(args, 1) : NULL, &done);
        if (done)
            return r;
    }
    PyObject *meth = PyObject_GetAttr((PyObject *)self, str_call);
    if (meth == NULL)
        return NULL;
    PyObject *res = PyObject_Call(meth, args, kwargs);
    Py_DECREF(meth);
    return res;
}

static int
ufunc_traverse(UfuncObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->np);
    Py_VISIT(self->loops);
    return 0;
}

static int
ufunc_clear(UfuncObject *self)
{
    Py_CLEAR(self->np);
    Py_CLEAR(self->loops);
    return 0;
}

static void
ufunc_dealloc(UfuncObject *self)
{
    PyObject_GC_UnTrack(self);
    ufunc_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMemberDef ufunc_members[] = {
    {"_np", T_OBJECT, offsetof(UfuncObject, np), 0, NULL},
    {"_fast_nargs", T_INT, offsetof(UfuncObject, fast_nargs), 0, NULL},
    {"_loops", T_OBJECT, offsetof(UfuncObject, loops), 0, NULL},
    {NULL}
};

static PyTypeObject UfuncBaseType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "trnpy._speedups.UfuncBase",
    .tp_basicsize = sizeof(UfuncObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "ufunc's C fast path (see trnpy/_hotpath.py)",
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)ufunc_dealloc,
    .tp_traverse = (traverseproc)ufunc_traverse,
    .tp_clear = (inquiry)ufunc_clear,
    .tp_members = ufunc_members,
    .tp_call = (ternaryfunc)ufunc_call,
};

/* ---- setup ------------------------------------------------------------------------ */
static int
take_ops(PyObject *seq, PyObject **dst, const char *what)
{
    if (!PyTuple_Check(seq) || PyTuple_GET_SIZE(seq) != N_OPS) {
        PyErr_Format(PyExc_ValueError, "setup: %s must be a tuple of %d", what, N_OPS);
        return -1;
    }
    for (int i = 0; i < N_OPS; i++) {
        Py_XSETREF(dst[i], Py_NewRef(PyTuple_GET_ITEM(seq, i)));
    }
    return 0;
}

static PyObject *
setup(PyObject *mod, PyObject *args)
{
    PyObject *arr, *cpu, *var, *nd, *hr, *gs, *gt, *npf, *fwd, *ref, *ufs;
    if (!PyArg_ParseTuple(args, "O!OOO!OOOOOOO", &PyType_Type, &arr, &cpu, &var,
                          &PyType_Type, &nd, &hr, &gs, &gt, &npf, &fwd, &ref, &ufs))
        return NULL;
    if (!PyType_IsSubtype((PyTypeObject *)arr, &ArrayBaseType)) {
        PyErr_SetString(PyExc_TypeError, "setup: the array type must subclass ArrayBase");
        return NULL;
    }
    if (((PyTypeObject *)arr)->tp_basicsize != ArrayBaseType.tp_basicsize) {
        PyErr_SetString(PyExc_TypeError, "setup: the array type must have __slots__ = ()");
        return NULL;
    }
    if (!PyContextVar_CheckExact(var)) {
        PyErr_SetString(PyExc_TypeError, "setup: backend must be a contextvars.ContextVar");
        return NULL;
    }
    if (take_ops(npf, np_funcs, "numpy functions") < 0 || take_ops(fwd, forward, "forward")
            < 0 || take_ops(ref, reflected, "reflected") < 0
            || take_ops(ufs, ufuncs, "ufuncs") < 0)
        return NULL;
    for (int i = 0; i < N_OPS; i++) {
        if (ufuncs[i] != Py_None && !PyObject_TypeCheck(ufuncs[i], &UfuncBaseType)) {
            PyErr_SetString(PyExc_TypeError, "setup: ufuncs must be ufuncs or None");
            return NULL;
        }
    }
    Py_XSETREF(array_type, (PyTypeObject *)Py_NewRef(arr));
    Py_XSETREF(cpu_device, Py_NewRef(cpu));
    Py_XSETREF(backend_var, Py_NewRef(var));
    Py_XSETREF(ndarray_type, (PyTypeObject *)Py_NewRef(nd));
    Py_XSETREF(host_result, Py_NewRef(hr));
    Py_XSETREF(getitem_slow, Py_NewRef(gs));
    Py_XSETREF(getitem_torch, Py_NewRef(gt));
    ready = 1;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"setup", setup, METH_VARARGS,
     "setup(TrnArray, CPU, backend_var, ndarray, host_result, getitem_slow, getitem_torch, "
     "numpy_funcs, forward, reflected, ufuncs)"},
    {NULL}
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "trnpy._speedups", "C hot paths of TrnArray and ufunc", -1,
    methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&ArrayBaseType) < 0 || PyType_Ready(&UfuncBaseType) < 0)
        return NULL;
    str_call = PyUnicode_InternFromString("_call");
    str_dtype = PyUnicode_InternFromString("dtype");
    str_shape = PyUnicode_InternFromString("shape");
    if (str_call == NULL || str_dtype == NULL || str_shape == NULL)
        return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (m == NULL)
        return NULL;
    Py_INCREF(&ArrayBaseType);
    Py_INCREF(&UfuncBaseType);
    if (PyModule_AddObject(m, "ArrayBase", (PyObject *)&ArrayBaseType) < 0
            || PyModule_AddObject(m, "UfuncBase", (PyObject *)&UfuncBaseType) < 0
            || PyModule_AddIntConstant(m, "N_OPS", N_OPS) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
