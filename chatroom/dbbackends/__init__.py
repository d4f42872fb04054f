"""
django-prometheus's database backends (query, error and connection counters),
with one cursor wrapper class per connection instead of a new class per
cursor: django-prometheus builds the class on every cursor() (about 30 us, a
few per send batch and per handshake, and garbage for the collector).
"""

from functools import cache

from django_prometheus.db.common import ExportingCursorWrapper


@cache
def cursor_wrapper_class(cursor_class: type, alias: str, vendor: str) -> type:
    """django-prometheus's counting wrapper of `cursor_class`, built once per (class, alias, vendor)."""
    return ExportingCursorWrapper(cursor_class, alias, vendor)
