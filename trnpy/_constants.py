"""Constants, as NumPy's (Python floats) so ``trnpy.pi`` mixes weakly in promotion."""
import math

e = math.e
pi = math.pi
inf = math.inf
nan = math.nan
euler_gamma = 0.5772156649015329
newaxis = None
