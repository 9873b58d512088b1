#!/bin/bash
# The prepared device check for a lent NVIDIA GPU (one `run`, timeout_s about 540):
#   bash benchmarks/gpu_session.sh
# CUDA tests of the open issues' files, then benchmarks/bench_gpu.py; logs under $OUT.
# The GPU image (device tool's KINDS.md) has torch, CuPy, SciPy, hypothesis and
# pytest-xdist; its NumPy may be newer than the oracle's here (2.5 vs 2.4).
set -o pipefail
OUT=${OUT:-/tmp/gpu_out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c "import torch, numpy, scipy; print(torch.__version__, torch.cuda.is_available(), torch.cuda.get_device_name(0), numpy.__version__, scipy.__version__)" | tee "$OUT/env.txt"
python3 setup.py build_ext --inplace -q >/dev/null 2>&1 || export TRNPY_PURE_PYTHON=1
TRNPY_TEST_DEVICE=cuda timeout 240 python3 -m pytest -q -n 8 -p no:cacheprovider \
    tests/test_random.py tests/test_random_scipy.py tests/test_sparse.py \
    tests/test_sparse_linalg.py tests/test_refine.py tests/test_devices.py 2>&1 \
    | tail -40 | tee "$OUT/tests.txt"
timeout 240 python3 benchmarks/bench_gpu.py 2>&1 | tee "$OUT/bench_gpu.txt"
