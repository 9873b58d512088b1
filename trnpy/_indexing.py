"""(being written)"""
__all__ = []


def getitem(x, key):
    raise NotImplementedError


def setitem(x, key, value):
    raise NotImplementedError
