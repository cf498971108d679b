"""What the plan needs, gathered from the tree and the index: the pure plan (core/plan.py) decides.

The plan takes data, not callbacks; this is the service side of its three steps: the records of the raw files
whose bytes were ingested before, which of their outputs are still in place (at once by size and modification
time, else by hash), the SHA-256 of every file the documents would write, and managed/'s objects as context.

Apart from the run (ingestion.py) because two callers plan: the run, and an upload or an edit's Check
(`plan_raw`: raw/ planned as the next run would plan it, without its lock, a run record or a write).
"""

import functools
import hashlib
from stat import S_ISREG

from netbox.plugins import get_plugin_config

from netbox_hedgehog.core.plan import files_to_parse, read_raw
from netbox_hedgehog.core.plan_model import (
    NOT_A_FILE,
    RECORD_SHA256,
    RECORD_TARGET,
    Plan,
    RawFile,
    Unreadable,
    record_stat,
)
from netbox_hedgehog.services import fileops, treefs
from netbox_hedgehog.services.faults import os_reason
from netbox_hedgehog.services.index import read_index
from netbox_hedgehog.services.index_store import indexed_documents, known_files
from netbox_hedgehog.services.raw_intake import RawIntake
from netbox_hedgehog.services.raw_parsing import parse_in_parallel


def plan_raw(fabric, path=None, data=None):
    """The plan the next ingestion would make of raw/ as it is now, with `data` as the raw file `path` when
    given (an upload, written or not): the files waiting beside it are planned with it, so a clash with one
    of them is this file's verdict too. Returns (Plan, {path: identity} of the files read from disk as
    planned). Takes no lock and writes nothing."""
    fabric.layout()  # the tree's path checked first: UnsafePathError before any file is opened
    with fabric.files() as files:
        if links := treefs.find_links(files):
            return Plan(blocked=treefs.link_findings(links)), {}
        raw = RawIntake(files, fileops.FileOperations(files))
        raw_files, ignored, links, unreadable, misnamed = raw.read()
        identities = raw.identities
        if path is not None:
            if any(raw_file.path == path and raw_file.data != data for raw_file in raw_files):
                del identities[path]  # planned with other bytes than the disk holds
            raw_files = [raw_file for raw_file in raw_files if raw_file.path != path] + [RawFile(path, data)]
        return Planner(fabric, files).plan(raw_files, ignored, links, unreadable, misnamed), identities


# From this many targets in one folder, the folder is listed instead of looking at each (_current_sha256s).
LIST_FOLDER_FROM = 64


class Planner:
    """Plans raw files of `fabric` through the run's `Tree` (`files`). `output_stats` receives target ->
    (size, modification time) of each output it looked at: the run's index rows and records carry them."""

    def __init__(self, fabric, files, output_stats=None):
        self.fabric = fabric
        self.files = files
        self.output_stats = {} if output_stats is None else output_stats

    @functools.cached_property
    def rows(self):
        """The index entries by managed path; read only when a file is not settled by its records alone."""
        return read_index(self.fabric)

    def plan(self, raw_files, ignored=(), links=(), unreadable=(), misnamed=()):
        """The plan of `raw_files`, with what each of its steps needs gathered from the tree and the index."""
        known, max_bytes = known_files(self.fabric, raw_files), get_plugin_config('netbox_hedgehog', 'max_file_bytes')
        parsed = parse_in_parallel(files_to_parse(raw_files, known), max_bytes)
        reading = read_raw(raw_files, known, max_bytes=max_bytes, parsed=parsed)
        in_place = {
            (record[RECORD_TARGET], record[RECORD_SHA256])
            for record in reading.records_to_check()
            if self._output_in_place(record)
        }
        reading.settle(in_place)
        return reading.decide(
            self._current_sha256s(reading.targets()),
            indexed_documents(self.fabric) if reading.needs_context else (),
            ignored=ignored,
            links=links,
            unreadable=unreadable,
            misnamed=misnamed,
            scope=f'raw/ nor managed/ of fabric {self.fabric.name}',
        )

    def _output_in_place(self, record):
        """Whether a known file's output still holds what its record says: at once when the file's size and
        modification time are those the record saw, else by its hash."""
        target = record[RECORD_TARGET]
        if (recorded := record_stat(record)) is not None:  # records of earlier versions carry no stats
            try:
                stat = self.files.lstat(target)
            except OSError:  # missing, or not to be looked at: not in place (the plan says why)
                return False
            if (stat.st_size, stat.st_mtime_ns) == tuple(recorded) and S_ISREG(stat.st_mode):
                return True
        return self._current_sha256(target) == record[RECORD_SHA256]

    def _current_sha256s(self, targets):
        """{target: its SHA-256 now} (see _current_sha256). A folder that many targets go to is listed once, and only
        the targets found in it are looked at: a first ingest of 100,000 documents lists twelve folders instead of
        failing 100,000 look-ups (half a second)."""
        by_folder = {}
        for target in sorted(targets):
            by_folder.setdefault(target.rpartition('/')[0], []).append(target)
        current = {}
        for folder, in_folder in by_folder.items():
            names = self._names(folder) if len(in_folder) >= LIST_FOLDER_FROM else None
            for target in in_folder:
                missing = names is not None and target.rpartition('/')[2] not in names
                current[target] = None if missing else self._current_sha256(target)
        return current

    def _names(self, folder):
        """The names in `folder`, none when it is missing; None when it cannot be listed (each target is looked at
        then, for its own finding)."""
        try:
            return set(self.files.names(folder))
        except (FileNotFoundError, NotADirectoryError):
            return set()
        except OSError:
            return None

    def _current_sha256(self, target):
        """The file's hash: from the index when its size and modification time still match, else read."""
        try:
            stat = self.files.lstat(target)
            if not S_ISREG(stat.st_mode):
                return NOT_A_FILE
            size, mtime_ns = self.output_stats[target] = stat.st_size, stat.st_mtime_ns
            row = self.rows.get(target)
            if row is not None and row.file_size == size and row.file_mtime_ns == mtime_ns:
                return row.sha256
            return hashlib.sha256(self.files.read(target)).hexdigest()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            return Unreadable(os_reason(exc))
