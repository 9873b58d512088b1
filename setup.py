"""Builds the optional C hot paths (trnpy/_speedups.c); everything else is in
pyproject.toml. Without a C compiler the build skips them and trnpy runs the same code
in pure Python (trnpy/_hotpath.py)."""
from setuptools import Extension, setup

setup(ext_modules=[Extension("trnpy._speedups", ["trnpy/_speedups.c"], optional=True)])
