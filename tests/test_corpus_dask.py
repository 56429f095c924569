"""Scale-out on Dask (issue 11): a worker killed in the middle of a batch loses nothing.

A real local Dask cluster (scheduler + two worker processes on loopback, each under a nanny
that restarts it). The batch runs through report.batch with the cluster's executor, as
`budgetlib batch --corpus DIR --dask 2` does; notebooks are skipped (parse + check only) to
keep the test fast. One worker process is SIGKILLed while it holds a document; Dask re-runs
that document elsewhere, and every document ends in the corpus exactly once."""

from __future__ import annotations

import functools
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from budgetlib import corpus, report

distributed = pytest.importorskip("distributed")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def sources(tmp_path, sample_text):
    """Three documents: a corpus PDF, the sample, and a copy of it with one amount changed
    (different bytes, so a different sha256)."""
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(ROOT / "tests" / "corpus" / "xinfang-office.pdf", d / "xinfang-office.pdf")
    for i, amount in enumerate(("26.765421", "26.765422")):
        (d / f"hotline-{i}.txt").write_text(sample_text.replace("26.765421", amount), encoding="utf-8")
    return sorted(d.iterdir())


def test_a_killed_worker_loses_nothing(tmp_path, sources, monkeypatch):
    from distributed import Client, LocalCluster

    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    root = tmp_path / "corpus"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        pids = client.run(os.getpid)
        killed = {}

        def kill_a_busy_worker():
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not killed:
                busy = {a: k for a, k in client.processing().items() if k}
                if busy:
                    address, keys = next(iter(busy.items()))
                    killed.update(address=address, keys=list(keys))
                    os.kill(pids[address], signal.SIGKILL)
                time.sleep(0.02)

        killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
        killer.start()
        frame = report.batch(sources, tmp_path / "out", [], summarise=functools.partial(corpus.ingest, corpus_dir=root),
                             executor=client.get_executor(pure=False, retries=2), progress=None)
        killer.join(timeout=5)
        survivors = client.run(os.getpid)

    assert killed["keys"], "a worker was killed while it held a document"
    assert pids[killed["address"]] not in survivors.values()  # that process is gone
    assert list(frame["status"]) == ["ok"] * len(sources), frame[["document", "error"]]
    docs = corpus.query("SELECT source_file, sha256, n_facts FROM documents ORDER BY source_file", root)
    assert sorted(docs["source_file"]) == sorted(p.name for p in sources)
    assert docs["sha256"].is_unique
    counts = corpus.query("SELECT sha256, count(*) AS n FROM facts GROUP BY sha256", root)
    assert dict(zip(counts["sha256"], counts["n"])) == dict(zip(docs["sha256"], docs["n_facts"]))
    for dataset in corpus.DATASETS:  # one file per document per dataset
        assert len(list((root / dataset).rglob("*.parquet"))) == len(sources), dataset
