"""`yamlpipe serve` under load: 50 clients poll run state (GET /apis/v1beta1/runs/{id}) while
3 runs of the quickstart example execute; prints the latency percentiles. Loopback only,
bounded in requests and time.

    python bench/serve.py [--clients 50] [--seconds 20]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from yamlpipe import Client

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(project: Path, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "yamlpipe", "serve", "--port", str(port)],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            if requests.get(f"http://127.0.0.1:{port}/apis/v1beta1/healthz", timeout=1).ok:
                return server
        except requests.ConnectionError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def _poll(url: str, until: float, found: list[float], errors: list[str]) -> None:
    session = requests.Session()
    while time.monotonic() < until:
        began = time.perf_counter()
        answer = session.get(url, timeout=10)
        found.append(time.perf_counter() - began)
        if not answer.ok:
            errors.append(str(answer.status_code))
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        for name in ("pipelines", "components"):
            shutil.copytree(ROOT / name, project / name)
        shutil.copy(ROOT / "yamlpipe.yaml", project)
        port = _free_port()
        server = _start(project, port)
        try:
            client = Client(host=f"http://127.0.0.1:{port}")
            runs = [
                client.create_run_from_pipeline_package(
                    project / "pipelines" / "quickstart.yaml", {"rows": 4000 + i}
                ).run_id
                for i in range(3)
            ]
            latencies: list[float] = []
            errors: list[str] = []
            until = time.monotonic() + options.seconds
            threads = [
                threading.Thread(
                    target=_poll,
                    args=(
                        f"http://127.0.0.1:{port}/apis/v1beta1/runs/{runs[i % 3]}",
                        until,
                        latencies,
                        errors,
                    ),
                )
                for i in range(options.clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            states = [client.wait_for_run_completion(r, 300).run.status for r in runs]
        finally:
            server.terminate()
            server.wait(60)
    cuts = statistics.quantiles(latencies, n=100)
    print(f"{options.clients} clients, {len(latencies)} requests in {options.seconds:g} s")
    print(f"runs: {', '.join(states)}; errors: {len(errors)}")
    print("| p50 | p90 | p99 | max |")
    print("| --- | --- | --- | --- |")
    print(
        f"| {cuts[49] * 1000:.1f} ms | {cuts[89] * 1000:.1f} ms | {cuts[98] * 1000:.1f} ms "
        f"| {max(latencies) * 1000:.1f} ms |"
    )


if __name__ == "__main__":
    main()
