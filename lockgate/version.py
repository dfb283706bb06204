"""lockgate's version, in the base layer so that any module may read it (the package root is an
entry point, above every layer)."""

__version__ = "0.1.0"
