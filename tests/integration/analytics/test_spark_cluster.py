"""`ontrack report --engine spark --spark-master URL` on a real standalone Spark cluster.

A master and two workers start on loopback from the pyspark package's own launcher
(``bin/spark-class``), with small memory so that they fit this machine beside everything
else; the report then runs as its own process (its driver on the cluster, its executors in
the workers) and must give DuckDB's answers. On two cores this shows correctness and the
cluster's overhead, not a speed-up.
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")

WORKERS = 2
WORKER_MEMORY = "768m"  # each worker offers this; one executor of 512m fits in it
EXECUTOR_MEMORY = "512m"
DAEMON_MEMORY = "256m"  # the master and worker daemons themselves
STARTUP_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _spark_class() -> Path:
    from pyspark.find_spark_home import _find_spark_home

    return Path(_find_spark_home()) / "bin" / "spark-class"


def _cluster_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_DAEMON_MEMORY": DAEMON_MEMORY,
            "SPARK_LOG_DIR": str(tmp / "logs"),
            "SPARK_WORKER_DIR": str(tmp / "work"),
            "PYSPARK_PYTHON": sys.executable,
        }
    )
    return env


def _wait_for(log: Path, text: str, count: int, procs: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if log.exists() and log.read_text(errors="replace").count(text) >= count:
            return
        dead = [p for p in procs if p.poll() is not None]
        if dead:
            pytest.fail(f"a Spark daemon exited early; see {log}")
        time.sleep(0.5)
    pytest.fail(f"Spark cluster not ready after {STARTUP_SECONDS} s ({text!r} in {log})")


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start a master and two workers on loopback; yield the master URL; stop them all."""
    tmp = tmp_path_factory.mktemp("spark-cluster")
    env = _cluster_env(tmp)
    port = _free_port()
    url = f"spark://127.0.0.1:{port}"
    spark_class = str(_spark_class())
    procs: list[subprocess.Popen[bytes]] = []
    master_log = tmp / "master.log"
    try:
        with master_log.open("wb") as out:
            procs.append(
                subprocess.Popen(
                    [
                        spark_class,
                        "org.apache.spark.deploy.master.Master",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--webui-port",
                        str(_free_port()),
                    ],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        _wait_for(master_log, "I have been elected leader", 1, procs)
        for i in range(WORKERS):
            with (tmp / f"worker{i}.log").open("wb") as out:
                procs.append(
                    subprocess.Popen(
                        [
                            spark_class,
                            "org.apache.spark.deploy.worker.Worker",
                            "--host",
                            "127.0.0.1",
                            "--cores",
                            "1",
                            "--memory",
                            WORKER_MEMORY,
                            "--webui-port",
                            str(_free_port()),
                            "--work-dir",
                            str(tmp / f"work{i}"),
                            url,
                        ],
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
        _wait_for(master_log, "Registering worker", WORKERS, procs)
        yield url
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _report(dataset: Path, *options: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    code = "import sys; from ontrack.cli import main; sys.exit(main(sys.argv[1:]))"
    result = subprocess.run(
        [sys.executable, "-c", code, "report", str(dataset), "--json", *options],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data: dict[str, Any] = json.loads(result.stdout)
    for key in ("engine", "generated"):
        data.pop(key)
    return data


def _differences(a: Any, b: Any, where: str = "") -> list[str]:
    """Every place two JSON values differ; floats summed by the engines agree to 1e-9."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{where}.{k}: only on one side" for k in a.keys() ^ b.keys()]
        for k in a.keys() & b.keys():
            out += _differences(a[k], b[k], f"{where}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} != {len(b)} items"]
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in _differences(x, y, f"{where}[{i}]")
        ]
    if isinstance(a, float) and isinstance(b, float):
        return [] if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) else [f"{where}: {a} != {b}"]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


@pytest.mark.spark
def test_report_on_a_standalone_cluster_equals_duckdb(spark_cluster, tmp_path):
    from ontrack.dataset import write_dataset
    from ontrack.synth import simulate

    dataset = tmp_path / "service"
    write_dataset(simulate(referrals=400, seed=17), dataset)
    env = dict(os.environ)
    env.update(
        {
            "SPARK_LOCAL_IP": "127.0.0.1",
            "ONTRACK_SPARK_EXECUTOR_MEMORY": EXECUTOR_MEMORY,
            "ONTRACK_SPARK_DRIVER_MEMORY": "1g",
            "PYSPARK_PYTHON": sys.executable,
        }
    )

    started = time.monotonic()
    on_cluster = _report(dataset, "--engine", "spark", "--spark-master", spark_cluster, env=env)
    seconds = time.monotonic() - started
    on_duckdb = _report(dataset)

    assert _differences(on_cluster, on_duckdb) == []
    assert on_cluster["referrals"] == 400
    print(f"report on the cluster: {seconds:.1f} s")


def test_spark_master_without_the_spark_engine_is_one_line_and_exit_2(capsys):
    from ontrack.cli import main

    status = main(["report", "nowhere", "--json", "--spark-master", "spark://127.0.0.1:1"])

    assert status == 2
    assert capsys.readouterr().err.strip() == (
        "ontrack report: error: --spark-master needs --engine spark"
    )
