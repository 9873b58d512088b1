"""trnpy's NKI kernels (GEMM, FFT, eigh, BSR SpMM, RNG) and the NKI emulator they are
tested on. Kernels import NKI only through :mod:`kernels.nki_adapter`."""
