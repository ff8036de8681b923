"""Proving a PDF leaves nothing behind: its parsed objects are freed as the proof ends, and
the cyclic collector, held off meanwhile, runs again as it did before."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from conftest import FIRST, REPO

from archivist.build import attachments_for, load_inputs, render
from archivist.check import prove_pdf
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
    proof = prove_pdf(pdf, article, record, PROFILE, attachments)
    assert proof.problems == [] and proof.pages >= 1
    # A reader left open keeps its thousand-odd parsed objects in a cycle with it, for the
    # collector to find; closed, it leaves only the catalog's few.
    assert gc.collect() < 200


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
