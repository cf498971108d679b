"""What a service knows of one index row (a HedgehogResource), without its spec.

Ingestion, re-index and health read the rows of a fabric through `gitops.index.read_index`, in one query,
as these plain tuples: a model instance per row would cost more than the query on a large fabric.
"""

from typing import NamedTuple

__all__ = ('IndexRow',)


class IndexRow(NamedTuple):
    """`keys` are the stored reference keys of the spec ('<kind>/<name>', validation.reference_keys);
    `file_size` and `file_mtime_ns` the file's when it was indexed (None in rows written before they were
    kept). `pk` is None and `spec` set only for an object health read from its file instead of the index."""

    path: str
    sha256: str
    kind: str
    name: str
    keys: tuple | None = None
    file_size: int | None = None
    file_mtime_ns: int | None = None
    pk: int | None = None
    spec: object = None
