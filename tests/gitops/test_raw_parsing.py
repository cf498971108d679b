"""Raw files parsed on two cores: the same results as parsing them here, whatever becomes of the child."""

import os
import threading
import time

import pytest
from plan_samples import SERVER, VPC

from netbox_hedgehog.core.plan import files_to_parse, make_plan, read_raw
from netbox_hedgehog.core.plan_model import RawFile
from netbox_hedgehog.core.yaml_reader import read_documents
from netbox_hedgehog.services import raw_parsing
from netbox_hedgehog.services.raw_parsing import parse_in_parallel

BROKEN = 'kind: VPC\nmetadata: {name: [\n'


def raw_files(count=40):
    """Files of several documents each, some broken, some of them large enough to span a pipe's buffer."""
    files = []
    for number in range(count):
        documents = [VPC.replace('vpc-1', f'vpc-{number}-{copy}') for copy in range(1 + number % 7)]
        if number % 5 == 0:
            documents.append(BROKEN)
        if number % 13 == 0:
            documents.append(SERVER.replace('server-1', 'server-' + 'x' * 40_000))
        files.append(RawFile(f'raw/file-{number:02d}.yaml', '---\n'.join(documents).encode()))
    return files


@pytest.fixture
def always_parallel(monkeypatch):
    monkeypatch.setattr(raw_parsing, 'PARALLEL_MIN_BYTES', 1)


def test_every_file_parsed_on_two_cores_is_what_parsing_it_here_gives(always_parallel):
    files = raw_files()
    parsed = parse_in_parallel(files, max_bytes=1 << 20)
    assert sorted(parsed) == [raw.path for raw in files]
    for raw in files:
        assert parsed[raw.path] == read_documents(raw.data, raw.path, max_bytes=1 << 20)


def test_the_plan_of_files_parsed_on_two_cores_is_the_plan_made_here(always_parallel):
    files = raw_files()
    in_parallel = read_raw(files, max_bytes=1 << 20, parsed=parse_in_parallel(files, 1 << 20)).settle(set())
    here = read_raw(files, max_bytes=1 << 20).settle(set())
    assert in_parallel.decide({}).as_dict() == here.decide({}).as_dict()


def test_files_the_child_did_not_send_are_parsed_by_the_plan(always_parallel, monkeypatch):
    """A child that dies half-way (here: its parser raises) loses only its results, never a file of the plan."""
    files, parent = raw_files(), os.getpid()

    def dies_in_the_child(data, file='', **options):
        if os.getpid() != parent and file.endswith('30.yaml'):
            raise MemoryError
        return read_documents(data, file, **options)

    monkeypatch.setattr(raw_parsing, 'read_documents', dies_in_the_child)
    parsed = parse_in_parallel(files, max_bytes=1 << 20)
    # The child took files from the back and stopped at its failure; this process took the rest.
    assert sorted(parsed) == [raw.path for raw in files if raw.path != 'raw/file-30.yaml']
    plan = make_plan(files)
    assert read_raw(files, parsed=parsed).settle(set()).decide({}).as_dict() == plan.as_dict()


def test_a_slow_child_leaves_the_files_it_has_not_begun_to_this_process(always_parallel, monkeypatch):
    files, parent, here = raw_files(), os.getpid(), []

    def slow_in_the_child(data, file='', **options):
        if os.getpid() == parent:
            here.append(file)
        else:
            time.sleep(0.2)
        return read_documents(data, file, **options)

    monkeypatch.setattr(raw_parsing, 'read_documents', slow_in_the_child)
    parsed = parse_in_parallel(files, max_bytes=1 << 20)
    assert sorted(parsed) == [raw.path for raw in files]
    assert len(here) >= 35  # not a fixed half: the child parsed a file or two meanwhile


def test_few_bytes_or_other_threads_are_parsed_by_the_plan_alone(monkeypatch):
    files = raw_files()
    assert parse_in_parallel(files, 1 << 20) == {}  # a few hundred kB: not worth a fork
    monkeypatch.setattr(raw_parsing, 'PARALLEL_MIN_BYTES', 1)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert parse_in_parallel(files, 1 << 20) == {}
    finally:
        stop.set()
        thread.join()


def test_only_files_whose_bytes_are_not_known_are_parsed():
    files = raw_files(3)
    known = {files[1].sha256: []}
    assert files_to_parse(files, known) == [files[0], files[2]]
