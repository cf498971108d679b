"""The output writer on real files: in a forked child while the caller works, or in place when threads run."""

import errno
import os
import signal
import threading
import time
from unittest import mock

import pytest

from netbox_hedgehog.services import fileops
from netbox_hedgehog.services.fileops import CRASH_AFTER_ENV, TEMPORARY_SUFFIX, FileOperations, writing
from netbox_hedgehog.services.forking import other_threads
from netbox_hedgehog.services.treefs import Tree, access

STAMP = 1_700_000_000_123_456_789


def outputs(folder, count=25):
    """Files for the folder `folder` of the tree `folder.parent`, named relative to that tree."""
    folder.mkdir(exist_ok=True)
    return [(f'{folder.name}/object-{n:02d}.yaml', f'kind: VPC\nnumber: {n}\n'.encode()) for n in range(count)]


def contents(folder):
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture(autouse=True)
def fork_for_any_number_of_files(monkeypatch):
    monkeypatch.setattr(fileops, 'FORK_MIN_FILES', 1)
    # A thread an earlier test joined can linger in the kernel's task list for a moment after Python let go of
    # it (seen after the git credential tests, under load): the writer would rightly write in place then.
    deadline = time.monotonic() + 5
    while other_threads() and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.fixture
def other_thread():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    yield
    stop.set()
    thread.join()


@pytest.fixture
def tree(tmp_path):
    with Tree(tmp_path.parent, tmp_path.name) as tree:
        yield tree


def write(tree, files, block=lambda: None):
    operations, reports = FileOperations(tree), []
    with mock.patch('os.fork', wraps=os.fork) as fork:
        with writing(operations, files, STAMP, lambda *report: reports.append(report)):
            block()
    return operations, reports, fork.call_count


def test_files_are_written_whole_with_the_stamped_time_by_a_forked_child(tmp_path, tree):
    files = outputs(tmp_path / 'vpcs')
    operations, reports, forks = write(tree, files)
    assert forks == 1
    assert contents(tmp_path / 'vpcs') == {path.rpartition('/')[2]: content for path, content in files}
    assert {os.stat(tmp_path / path).st_mtime_ns for path, _ in files} == {STAMP}
    assert operations.count == 2 * len(files)  # the child's count comes back: later operations continue it
    assert reports[-1] == ('write', len(files), len(files))
    assert [done for _, done, _ in reports] == sorted(done for _, done, _ in reports)


def test_with_other_threads_running_the_files_are_written_in_place_with_the_same_result(tmp_path, tree, other_thread):
    files = outputs(tmp_path / 'vpcs')
    operations, reports, forks = write(tree, files)
    assert forks == 0
    assert contents(tmp_path / 'vpcs') == {path.rpartition('/')[2]: content for path, content in files}
    assert {os.stat(tmp_path / path).st_mtime_ns for path, _ in files} == {STAMP}
    assert operations.count == 2 * len(files)
    assert len(reports) == len(files)


def test_a_few_files_are_written_in_place(tmp_path, tree, monkeypatch):
    monkeypatch.setattr(fileops, 'FORK_MIN_FILES', 26)
    files = outputs(tmp_path / 'vpcs')
    operations, reports, forks = write(tree, files)
    assert forks == 0
    assert len(contents(tmp_path / 'vpcs')) == len(files)
    assert operations.count == 2 * len(files)


def test_a_file_that_cannot_be_written_is_reported_by_path_and_errno_and_the_others_are_written(tmp_path, tree):
    files = outputs(tmp_path / 'vpcs')
    (tmp_path / 'vpcs' / 'object-03.yaml').mkdir()  # a directory where a file must go
    finished, operations = [], FileOperations(tree)
    with writing(operations, files, STAMP, lambda *report: None) as failed:
        finished.append(True)
    assert finished == [True]
    (path,) = failed
    assert path == files[3][0] and failed[path].errno == errno.EISDIR
    # The others are written, the directory is left as it was, and no temporary file stays behind.
    names = sorted(os.listdir(tmp_path / 'vpcs'))
    assert names == [f'object-{n:02d}.yaml' for n in range(len(files))]
    assert (tmp_path / 'vpcs' / 'object-03.yaml').is_dir()
    assert operations.count == 2 * len(files) - 1  # its temporary file was written, its rename failed


@pytest.mark.parametrize('fork_min_files', [1, 10**6])
def test_a_failed_file_is_reported_alike_by_the_forked_writer_and_in_place(tmp_path, tree, monkeypatch, fork_min_files):
    monkeypatch.setattr(fileops, 'FORK_MIN_FILES', fork_min_files)
    files = outputs(tmp_path / 'vpcs')

    def full_for_one(real):
        def call(source, target, **options):
            if target.endswith('object-07.yaml'):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), target)
            real(source, target, **options)

        return call

    # Where a written file gets its name: a link (a new file), a rename (over a file, or without nameless files).
    monkeypatch.setattr(os, 'link', full_for_one(os.link))
    monkeypatch.setattr(os, 'replace', full_for_one(os.replace))
    with writing(FileOperations(tree), files, STAMP, lambda *report: None) as failed:
        pass
    assert {path: exc.errno for path, exc in failed.items()} == {files[7][0]: errno.ENOSPC}
    assert len(contents(tmp_path / 'vpcs')) == len(files) - 1  # no temporary file left either


def test_a_folder_that_takes_no_new_file_says_why(tmp_path, tree):
    operations = FileOperations(tree)
    (tmp_path / 'vpcs').mkdir()
    assert operations.creation_error('vpcs') is None
    assert os.listdir(tmp_path / 'vpcs') == []
    assert operations.creation_error('missing').errno == errno.ENOENT


def test_an_error_in_the_block_waits_for_the_writer_and_is_raised(tmp_path, tree):
    files = outputs(tmp_path / 'vpcs', count=200)

    def fail():
        raise LookupError('the index failed')

    with pytest.raises(LookupError, match='the index failed'):
        write(tree, files, block=fail)
    # The writer had finished when the error reached the caller: nothing is written after that.
    assert len(contents(tmp_path / 'vpcs')) == 200


@pytest.mark.parametrize('nameless', [True, False], ids=['nameless files', 'temporary names'])
def test_a_crash_point_in_the_writer_kills_the_ingesting_process_too(tmp_path, tree, monkeypatch, nameless):
    monkeypatch.setattr(access, '_NAMELESS', nameless and access._NAMELESS)
    files = outputs(tmp_path / 'vpcs')
    ingesting = os.fork()
    if ingesting == 0:  # the process under test: killed inside `writing`, or it exits with 3
        try:
            os.environ[CRASH_AFTER_ENV] = '5'
            with writing(FileOperations(tree), files, STAMP, lambda *report: None):
                signal.alarm(20)  # a writer that failed to kill this process: SIGALRM, and the test fails
                signal.pause()
        finally:
            os._exit(3)
    _, status = os.waitpid(ingesting, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    names = os.listdir(tmp_path / 'vpcs')
    # Five operations: three files written, two of them named; the third is left as a temporary file, or, written
    # without a name, is gone with the process.
    assert sorted(name for name in names if not name.startswith('.')) == ['object-00.yaml', 'object-01.yaml']
    assert len([name for name in names if name.endswith(TEMPORARY_SUFFIX)]) == (0 if access._NAMELESS else 1)


def test_a_writer_that_dies_without_a_report_is_an_error(tmp_path, tree, monkeypatch):
    files = outputs(tmp_path / 'vpcs')
    monkeypatch.setattr(os, 'sync', lambda: time.sleep(60))  # the child waits in its barrier

    def kill_the_writer():
        (writer,) = open(f'/proc/{os.getpid()}/task/{os.getpid()}/children').read().split()
        os.kill(int(writer), signal.SIGKILL)

    with pytest.raises(OSError, match='stopped before it finished'):
        write(tree, files, block=kill_the_writer)


def test_an_error_that_cannot_cross_the_pipe_arrives_by_its_name_and_message(tmp_path, tree, monkeypatch):
    class Unpicklable(Exception):
        def __init__(self):
            super().__init__('the disk said no')
            self.hook = lambda: None

    def refuse(*args, **kwargs):
        raise Unpicklable

    monkeypatch.setattr(os, 'link', refuse)
    monkeypatch.setattr(os, 'replace', refuse)
    with pytest.raises(RuntimeError, match='Unpicklable: the disk said no'):
        write(tree, outputs(tmp_path / 'vpcs'))


@pytest.mark.parametrize('nameless', [True, False], ids=['nameless files', 'temporary names'])
def test_new_files_and_files_over_old_ones_are_written_whole_with_the_runs_time(tmp_path, tree, monkeypatch, nameless):
    monkeypatch.setattr(access, '_NAMELESS', nameless and access._NAMELESS)
    (tmp_path / 'vpcs').mkdir()
    (tmp_path / 'vpcs' / 'old.yaml').write_bytes(b'kind: VPC\nold: true\n')
    operations = FileOperations(tree)
    operations.write_atomically('vpcs/old.yaml', b'kind: VPC\nnew: true\n', STAMP)
    operations.write_atomically('vpcs/new.yaml', b'kind: VPC\n', STAMP)
    assert contents(tmp_path / 'vpcs') == {'new.yaml': b'kind: VPC\n', 'old.yaml': b'kind: VPC\nnew: true\n'}
    assert {(tmp_path / 'vpcs' / name).stat().st_mtime_ns for name in ('old.yaml', 'new.yaml')} == {STAMP}
    assert operations.count == 4  # two operations a file, whichever way: what the crash tests count on
    (tmp_path / 'vpcs' / 'taken.yaml').mkdir()
    with pytest.raises(IsADirectoryError):  # a folder in the way is the file's failure, and leaves nothing behind
        operations.write_atomically('vpcs/taken.yaml', b'kind: VPC\n', STAMP)
    assert sorted(os.listdir(tmp_path / 'vpcs')) == ['new.yaml', 'old.yaml', 'taken.yaml']


def test_a_file_system_that_refuses_nameless_files_gets_them_under_a_temporary_name(tmp_path, tree, monkeypatch):
    real_open = os.open

    def no_tmpfile(path, flags, *args, **kwargs):
        if flags & os.O_TMPFILE == os.O_TMPFILE:
            raise OSError(errno.EOPNOTSUPP, os.strerror(errno.EOPNOTSUPP))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, 'open', no_tmpfile)
    (tmp_path / 'vpcs').mkdir()
    operations = FileOperations(tree)
    operations.write_atomically('vpcs/new.yaml', b'kind: VPC\n', STAMP)
    assert contents(tmp_path / 'vpcs') == {'new.yaml': b'kind: VPC\n'}
    assert operations.count == 2
