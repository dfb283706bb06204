"""One writer per warehouse: the only modules that know a SQL dialect or a bulk-load path."""

from .base import Writer, normalize

__all__ = ["Writer", "normalize"]
