"""Faults of the disk or the database that stop a whole operation, told without a server path. Plain Python.

An OSError's text (`str(exc)`) names the absolute server path of the file, which no fabric editor or API
caller may see. What people are told is built from the fabric-relative path the code was working on and
what the operating system said (`os.strerror` of the errno); errors.public_message does the same for an
OSError met elsewhere.
"""

import errno
import os

__all__ = ('NO_SPACE', 'StorageFault', 'os_reason')

# Errnos that mean "the disk is full": HTTP 507 (Insufficient Storage) rather than 503.
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})


def os_reason(exc):
    """What the operating system said about `exc` (`No space left on device`), never its text."""
    code = getattr(exc, 'errno', None)
    return os.strerror(code) if code else f'unexpected {type(exc).__name__}'


class StorageFault(Exception):
    """The disk or the database failed a whole operation (an ingestion run, an upload).

    The message is safe for anyone who may change the fabric: a fabric-relative path and the
    operating system's words. `errno` says which fault it was; `http_status` is the API's answer.
    """

    def __init__(self, message, *, errno=None):
        super().__init__(message)
        self.errno = errno

    @property
    def no_space(self):
        return self.errno in NO_SPACE

    @property
    def http_status(self):
        return 507 if self.no_space else 503
