"""When this process may fork a helper: the output writer and the parser of raw files do their work in a child.

A fork copies the whole process but only the calling thread: in a process running other threads (a
threaded web server, a heartbeat) it copies locks those threads hold without the threads that would
release them, and the child could hang on one. Such a process does the work itself instead.
"""

import os
import threading

__all__ = ('other_threads',)


def other_threads():
    """Whether a thread other than this one runs in the process (any thread, Python's or not)."""
    try:
        return len(os.listdir('/proc/self/task')) > 1
    except OSError:
        return threading.active_count() > 1
