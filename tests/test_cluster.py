"""archivist build --scheduler: a real Dask scheduler and real workers on loopback.

Each cluster is a `dask scheduler` and `dask worker` processes started here, from the
same installation as the tests, and stopped in teardown. Readiness is polled from the
scheduler with a deadline, never waited for by sleeping.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import distributed
import pytest
from conftest import (
    FIRST,
    REPO,
    archivist,
    first_article_workspace,
    folder_args,
    left_in_staging,
    make_command,
)

from archivist.build import Paths

DEADLINE = 90.0  # seconds for a process of the cluster to come up, or a build to finish
CORPUS = REPO / "bench" / "corpus.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without what the writer reads, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    return {**env, **extra}


class Cluster:
    """A scheduler on a free loopback port and the workers started on it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.address = f"tcp://127.0.0.1:{free_port()}"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._client: distributed.Client | None = None

    def _start(self, name: str, arguments: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.root / f"{name}.log").open("wb")
        process = subprocess.Popen([sys.executable, "-m", "dask", *arguments], cwd=self.root, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.processes[name] = process
        return process

    def start_scheduler(self) -> None:
        port = self.address.rsplit(":", 1)[1]
        self._start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
                    clean_environment())
        self._client = distributed.Client(self.address, timeout=DEADLINE)

    def start_worker(self, name: str, **env: str) -> subprocess.Popen[bytes]:
        (self.root / name).mkdir()
        return self._start(name, ["worker", self.address, "--name", name, "--nthreads", "1", "--no-nanny",
                                  "--no-dashboard", "--host", "127.0.0.1", "--death-timeout", "60",
                                  "--local-directory", str(self.root / name)], clean_environment(**env))

    @property
    def client(self) -> distributed.Client:
        assert self._client is not None, "start the scheduler first"
        return self._client

    def wait_for_workers(self, count: int) -> dict[str, str]:
        """Worker name -> address, once ``count`` workers are connected (polled, with a deadline)."""
        self.client.wait_for_workers(count, timeout=DEADLINE)
        return self.addresses()

    def addresses(self) -> dict[str, str]:
        info = self.client.scheduler_info(n_workers=-1)["workers"]
        return {worker["name"]: address for address, worker in info.items()}

    def stop(self) -> None:
        """Workers first, then the scheduler; a process that lingers (a worker whose scheduler is
        gone retries it) is killed after a few seconds."""
        if self._client is not None:
            self._client.close(timeout=5)
        for process in reversed(self.processes.values()):
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    cluster = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        cluster.start_scheduler()
        cluster.start_worker("alpha")
        cluster.start_worker("beta")
        cluster.wait_for_workers(2)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A cluster of this test's own, which it may start workers on and kill them."""
    (tmp_path / "cluster").mkdir()
    cluster = Cluster(tmp_path / "cluster")
    try:
        yield cluster
    finally:
        cluster.stop()


def corpus(root: Path, count: int) -> Paths:
    """``count`` generated articles of every length (bench/corpus.py), and an empty archive."""
    subprocess.run([sys.executable, str(CORPUS), "--count", str(count), "--out", str(root)], check=True,
                   capture_output=True)
    paths = Paths(root / "seeds", root / "metadata", root / "archive")
    paths.archive.mkdir()
    return paths


def beside(paths: Paths, name: str) -> Paths:
    """The same inputs with an archive of their own."""
    return Paths(paths.seeds, paths.metadata, paths.seeds.parent / name)


def build(paths: Paths, *extra: str, timeout: float = DEADLINE) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "archivist", "build", *folder_args(paths), *extra],
                          env=clean_environment(), capture_output=True, text=True, timeout=timeout)


def documents(archive: Path) -> dict[str, str]:
    """Every PDF and oai_dc record under the archive: path -> sha256."""
    return {p.relative_to(archive).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(archive.glob("*/*")) if p.suffix in (".pdf", ".xml")}


def catalogued(archive: Path) -> list[dict]:
    listed = archivist("list", "--json", "--archive", archive, check=True)
    return [{k: v for k, v in row.items() if k != "path"} for row in json.loads(listed.stdout)]


def manifest_paths(archive: Path) -> list[str]:
    """The documents the manifest lists (it also lists the archive's profile file)."""
    lines = (archive / "manifest-sha256.txt").read_text().splitlines()
    return [path for path in (line.split("  ", 1)[1] for line in lines) if "/" in path]


def test_a_cluster_build_is_byte_identical_to_a_local_build(two_workers: Cluster, tmp_path: Path) -> None:
    count = 24
    local = corpus(tmp_path, count)
    remote = beside(local, "remote")
    assert build(local, "-j", "2").returncode == 0
    client = subprocess.Popen([sys.executable, "-m", "archivist", "build", *folder_args(remote),
                               "--scheduler", two_workers.address], env=clean_environment(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Meanwhile, count the build's tasks the scheduler holds: a few per worker thread, not the batch.
    held = []
    deadline = time.monotonic() + DEADLINE
    while client.poll() is None and time.monotonic() < deadline:
        held.append(two_workers.client.run_on_scheduler(
            lambda dask_scheduler: sum(str(key).startswith("archivist-") for key in dask_scheduler.tasks)))
        time.sleep(0.05)  # sampling interval, not a synchronisation
    _, err = client.communicate(timeout=DEADLINE)
    assert client.returncode == 0, err
    assert err.strip().endswith("s") and f"built {count}, unchanged 0, failed 0 in" in err
    assert 0 < max(held) <= 2 * 2 * 2  # two tasks per thread in flight, and as many being released
    expected = documents(local.archive)
    assert len(expected) == 2 * count
    assert documents(remote.archive) == expected
    manifest = "manifest-sha256.txt"
    assert (remote.archive / manifest).read_bytes() == (local.archive / manifest).read_bytes()
    assert catalogued(remote.archive) == catalogued(local.archive)
    first = sorted(expected)[0]
    print(f"\nbyte-identical: {len(expected) // 2} PDFs and {len(expected) // 2} oai_dc records; "
          f"{first} sha256 {expected[first]}; at most {max(held)} tasks at the scheduler at once")


def test_an_article_that_fails_on_a_worker_is_reported_as_a_local_build_reports_it(
        two_workers: Cluster, tmp_path: Path) -> None:
    local = first_article_workspace(tmp_path / "local")
    snowman = "2021-07-snowman"
    local.article(snowman).write_text("Un bonhomme de neige ☃ sur la place.\n", encoding="utf-8")
    local.record(snowman).write_text('title: Neige\ndate: "2021-07"\nlanguage: fr\n', encoding="utf-8")
    remote = beside(local, "remote")
    here, there = build(local, "-j", "2"), build(remote, "--scheduler", two_workers.address)
    assert here.returncode == there.returncode == 12
    failure = [line for line in here.stderr.splitlines() if "2021-07-snowman.txt" in line]
    assert len(failure) == 1 and "U+2603 SNOWMAN" in failure[0]
    assert failure[0] in there.stderr.splitlines()
    assert "built 1, unchanged 0, failed 1" in there.stderr
    assert documents(remote.archive) == documents(local.archive)
    assert list(documents(remote.archive)) == [f"2021/{FIRST}.pdf", f"2021/{FIRST}.xml"]


def test_make_hands_the_scheduler_on(two_workers: Cluster, tmp_path: Path) -> None:
    paths = first_article_workspace(tmp_path)
    folders = (f"SEEDS={paths.seeds}", f"METADATA={paths.metadata}", f"ARCHIVE={paths.archive}",
               f"SCHEDULER={two_workers.address}")
    dry_run = subprocess.run(make_command(tmp_path, "-n", *folders), env=clean_environment(),
                             capture_output=True, text=True, timeout=DEADLINE)
    assert f"--scheduler '{two_workers.address}'" in dry_run.stdout, dry_run.stdout + dry_run.stderr
    result = subprocess.run(make_command(tmp_path, *folders), env=clean_environment(),
                            capture_output=True, text=True, timeout=DEADLINE)
    assert result.returncode == 0, result.stderr
    assert "built 1, unchanged 0, failed 0" in result.stderr
    local = beside(paths, "local")
    assert build(local).returncode == 0
    assert documents(paths.archive) == documents(local.archive)


def test_no_scheduler_is_an_error_naming_the_address_in_bounded_time(workspace: Paths) -> None:
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    start = time.monotonic()
    result = build(workspace, "--scheduler", address, "--cluster-timeout", "3", timeout=60)
    assert result.returncode == 15
    assert f"cannot reach the Dask scheduler at {address} within 3 s" in result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - start < 60
    assert documents(workspace.archive) == {}


def test_no_worker_then_a_mismatched_worker_are_refused(cluster: Cluster, workspace: Paths) -> None:
    cluster.start_scheduler()
    alone = build(workspace, "--scheduler", cluster.address, "--cluster-timeout", "3")
    assert alone.returncode == 15
    assert f"the Dask scheduler at {cluster.address} has no worker after 3 s" in alone.stderr

    # A worker whose environment makes its PDFs different: another creation date in every PDF.
    cluster.start_worker("odd", SOURCE_DATE_EPOCH="1600000000")
    odd = cluster.wait_for_workers(1)["odd"]
    refused = build(workspace, "--scheduler", cluster.address, "--cluster-timeout", "3")
    assert refused.returncode == 15, refused.stderr
    assert (f"no worker of the Dask cluster at {cluster.address} matches this machine: worker {odd}, which "
            "differs: SOURCE_DATE_EPOCH: 1600000000 there, unset here") in refused.stderr
    assert documents(workspace.archive) == {}

    # A matching worker joins: the build uses it alone, and says which worker it refused.
    cluster.start_worker("even")
    cluster.wait_for_workers(2)
    accepted = build(workspace, "--scheduler", cluster.address)
    assert accepted.returncode == 0, accepted.stderr
    assert f"refusing worker {odd}, which differs: SOURCE_DATE_EPOCH: 1600000000 there, unset here" in (
        accepted.stderr)
    local = beside(workspace, "local")
    assert build(local).returncode == 0
    assert documents(workspace.archive) == documents(local.archive)


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(cluster: Cluster, tmp_path: Path) -> None:
    count = 40
    paths = corpus(tmp_path / "inputs", count)
    cluster.start_scheduler()
    victim = cluster.start_worker("victim")
    cluster.start_worker("survivor")
    victim_address = cluster.wait_for_workers(2)["victim"]

    client = subprocess.Popen([sys.executable, "-m", "archivist", "build", *folder_args(paths),
                               "--scheduler", cluster.address], env=clean_environment(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Kill the victim while it holds a task and the client has stored at least one article.
        deadline = time.monotonic() + DEADLINE
        while True:
            assert time.monotonic() < deadline, "the build never got under way"
            assert client.poll() is None, "the build finished before a worker could be killed"
            busy = cluster.client.processing(workers=[victim_address]).get(victim_address)
            if busy and any(paths.archive.glob("*/*.pdf")):
                break
            time.sleep(0.05)  # polling interval; the condition above is what is waited for
        os.kill(victim.pid, signal.SIGKILL)
        stored_before_kill = len(list(paths.archive.glob("*/*.pdf")))
        _, err = client.communicate(timeout=DEADLINE * 3)
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
    assert victim.wait(timeout=30) == -signal.SIGKILL
    assert stored_before_kill < count, "the kill came after the batch"
    assert client.returncode == 0, err
    assert f"built {count}, unchanged 0, failed 0" in err

    # Nothing lost, nothing duplicated, nothing half-written.
    built = documents(paths.archive)
    listed = manifest_paths(paths.archive)
    duplicated = [path for path, n in Counter(listed).items() if n > 1]
    lost = sorted(set(built) ^ set(listed))
    assert len(built) == 2 * count and not duplicated and not lost
    assert len(catalogued(paths.archive)) == count
    assert archivist("verify", "--archive", paths.archive).returncode == 0
    staging = paths.archive.parent / f".{paths.archive.name}.staging"
    assert left_in_staging(staging) == {"lock"}  # no staged part left

    # And every byte as a local build makes it.
    local = beside(paths, "local")
    assert build(local, "-j", "2", timeout=DEADLINE * 3).returncode == 0
    assert built == documents(local.archive)
    print(f"\nkill test: SIGKILL of {victim_address} after {stored_before_kill} of {count} stored; "
          f"built {len(built) // 2}, lost {len(lost)}, duplicated {len(duplicated)}")


@pytest.mark.slow
def test_a_scheduler_lost_mid_batch_is_one_message_and_leaves_complete_files(cluster: Cluster,
                                                                             tmp_path: Path) -> None:
    paths = corpus(tmp_path / "inputs", 40)
    cluster.start_scheduler()
    cluster.start_worker("only")
    cluster.wait_for_workers(1)
    client = subprocess.Popen([sys.executable, "-m", "archivist", "build", *folder_args(paths),
                               "--scheduler", cluster.address, "--cluster-timeout", "5"],
                              env=clean_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        deadline = time.monotonic() + DEADLINE
        while not any(paths.archive.glob("*/*.pdf")):
            assert time.monotonic() < deadline, "the build never got under way"
            assert client.poll() is None, "the build finished before the scheduler could be killed"
            time.sleep(0.05)  # polling interval; the condition above is what is waited for
        os.kill(cluster.processes["scheduler"].pid, signal.SIGKILL)
        _, err = client.communicate(timeout=60)  # the client's own timeout is 5 s
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
    assert client.returncode == 15, err
    assert err.strip() == (f"archivist: lost the Dask scheduler at {cluster.address}: the articles stored "
                           "so far are kept, the others were not built "
                           "(run the build again when the scheduler is back)")
    stored = documents(paths.archive)
    assert 0 < len(stored) < 80
    # What was stored is complete, and listed once verify has applied the journal.
    assert archivist("verify", "--archive", paths.archive).returncode == 0
    assert sorted(manifest_paths(paths.archive)) == sorted(stored)

