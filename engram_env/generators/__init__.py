"""Problem generators, one module per domain.

Every module here (except ``_``-prefixed helper modules) is imported by
``engram_env.registry.load_generators``; defining a ``Generator`` subclass with a ``name``
registers it. Generator modules import only numpy and the standard library at import time
(sympy and networkx inside functions), which keeps ``import engram_env`` fast.
"""
