"""Proving a PDF leaves nothing behind: its parsed objects are freed as the proof ends, and
the cyclic collector, held off meanwhile, runs again as it did before."""

from __future__ import annotations

import gc
import io
import sys
import threading
from collections.abc import Iterator

import pytest
from conftest import FIRST, REPO
from pypdf import PdfReader

from archivist.build import attachments_for, load_inputs, render
from archivist.check import _collector_paused, prove_pdf
from archivist.paths import Paths
from archivist.profile import Profile

PROFILE = Profile.parse("3a")  # with embedded files: the most a proof reads


@pytest.fixture(scope="module")
def first() -> tuple:
    paths = Paths(REPO / "seeds", REPO / "metadata", REPO / "archive")
    article, record = load_inputs(paths, FIRST)
    return render(article, record, PROFILE), article, record, attachments_for(article, record)


@pytest.fixture
def collector_off() -> Iterator[None]:
    """The collector off, so that what a proof leaves as cyclic garbage can be counted."""
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    yield
    if was:
        gc.enable()


def test_the_parsed_objects_are_freed_when_the_proof_ends(first: tuple, collector_off: None) -> None:
    pdf, article, record, attachments = first
    reader = PdfReader(io.BytesIO(pdf))
    reader.trailer["/Root"]["/Metadata"].get_object()  # parses the object stream: every object
    del reader
    left_open = gc.collect()  # a reader let go unclosed: a cycle with all it parsed
    proof = prove_pdf(pdf, article, record, PROFILE, attachments)
    assert proof.problems == [] and proof.pages >= 1
    # Closed, the reader lets its objects go as the proof ends; only the catalog's few are
    # left for the collector.
    assert gc.collect() * 10 < left_open


@pytest.mark.parametrize("damaged", [False, True])
def test_the_collector_runs_again_after_a_proof_as_it_did_before(first: tuple, damaged: bool) -> None:
    pdf, article, record, attachments = first
    data = pdf[: len(pdf) // 2] if damaged else pdf
    was = gc.isenabled()
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            problems = prove_pdf(data, article, record, PROFILE, attachments).problems
            assert bool(problems) == damaged
            assert gc.isenabled() == enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_proofs_in_many_threads_leave_the_collector_on() -> None:
    """A Dask worker proves files in several threads: however their pauses of the collector
    interleave (each thread here only pauses it, many times, to make the interleavings many),
    the collector is on again once they are all done."""
    threads, pauses = 8, 20_000
    start = threading.Barrier(threads)

    def pause_many() -> None:
        start.wait()
        for _ in range(pauses):
            with _collector_paused():
                pass

    was, interval = gc.isenabled(), sys.getswitchinterval()
    gc.enable()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
    try:
        workers = [threading.Thread(target=pause_many) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert gc.isenabled()
    finally:
        sys.setswitchinterval(interval)
        (gc.enable if was else gc.disable)()
