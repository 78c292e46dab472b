#!/usr/bin/env python3
"""Instructions per list request for two Hangar binaries, counted by callgrind (A/B).

For a change whose cost is too small for wall-clock runs on this noisy machine (the
field-order patch of vendor/async-graphql, say): each binary serves the same PostgreSQL
database under `valgrind --tool=callgrind`; after a warm-up, the list query of bench/run.py
(workload a: 50 DJI drones by name, cameras, totalCount) runs REQUESTS times with counting on.
The database's own work is in another process and not counted.

    python3 bench/callgrind_ab.py A=target/release/hangar-a B=target/release/hangar-b

Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/hangar_callgrind; the
database is created and loaded with 10,000 drones through registerDrones when empty),
REQUESTS (200), WARMUP (50), ROUNDS (2, interleaved A B A B).
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from run import ADMIN, LIST, LOGIN, PASSWORD, gql, load_data, log  # noqa: E402

DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hangar_callgrind")
REQUESTS = int(os.environ.get("REQUESTS", "200"))
WARMUP = int(os.environ.get("WARMUP", "50"))
ROUNDS = int(os.environ.get("ROUNDS", "2"))
PORT = 18980


def ensure_database():
    name = DATABASE_URL.rsplit("/", 1)[1]
    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    exists = subprocess.run(["psql", admin_url, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
                            capture_output=True, text=True, check=True).stdout.strip()
    if not exists:
        subprocess.run(["psql", admin_url, "-qc", f'CREATE DATABASE "{name}"'], check=True)


def serve(binary, work, under_callgrind, out=None):
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "HANGAR_ADDR": f"127.0.0.1:{PORT}",
           "HANGAR_ADMIN_USERNAME": ADMIN, "HANGAR_ADMIN_PASSWORD": PASSWORD, "RUST_LOG": "warn",
           "JWT_SECRET": "callgrind-ab-secret-of-at-least-32-bytes", "HANGAR_REQUEST_TIMEOUT": "600s"}
    argv = [binary, "serve"]
    if under_callgrind:
        argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"] + argv
    proc = subprocess.Popen(argv, env=env, stdout=open(os.path.join(work, "server.log"), "a"),
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{PORT}"
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/readyz", timeout=1)
            return proc, url + "/graphql"
        except Exception:
            if proc.poll() is not None:
                raise SystemExit(f"{binary} exited early; see {work}/server.log")
            time.sleep(0.2)
    raise SystemExit(f"{binary} did not start")


def stop(proc):
    proc.terminate()
    proc.wait(timeout=120)


def list_request(url, token):
    return gql(url, LIST, {"brand": "DJI", "first": 50}, token)


def count(binary, work):
    out = os.path.join(work, f"cg.{os.path.basename(binary)}.{time.time_ns()}.out")
    proc, url = serve(binary, work, True, out)
    try:
        token = gql(url, LOGIN, {"u": ADMIN, "p": PASSWORD})["login"]["accessToken"]
        for _ in range(WARMUP):
            list_request(url, token)
        subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], check=True, capture_output=True)
        for _ in range(REQUESTS):
            list_request(url, token)
        subprocess.run(["callgrind_control", "-i", "off", str(proc.pid)], check=True, capture_output=True)
        subprocess.run(["callgrind_control", "-d", str(proc.pid)], check=True, capture_output=True)
    finally:
        stop(proc)
    # The counted events of every dump (the one asked for, and the final one at exit).
    total = 0
    for dump in glob.glob(out + "*"):
        with open(dump) as f:
            total += sum(int(m.group(1)) for m in map(re.compile(r"totals: (\d+)").match, f) if m)
    return total / REQUESTS


def main():
    subjects = dict(arg.split("=", 1) for arg in sys.argv[1:])
    if len(subjects) != 2:
        raise SystemExit(__doc__)
    ensure_database()
    work = tempfile.mkdtemp(prefix="hangar-callgrind-")
    first = next(iter(subjects.values()))
    proc, url = serve(first, work, False)
    try:
        token = gql(url, LOGIN, {"u": ADMIN, "p": PASSWORD})["login"]["accessToken"]
        if gql(url, "{ drones { totalCount } }", {}, token)["drones"]["totalCount"] == 0:
            log("loading 10,000 drones")
            load_data(url, token, 10_000, {}, "postgres")
    finally:
        stop(proc)
    results = {name: [] for name in subjects}
    for round_ in range(ROUNDS):
        for name, binary in subjects.items():
            per_request = count(binary, work)
            results[name].append(per_request)
            log(f"round {round_ + 1}: {name} {per_request / 1e6:.3f} M instructions per list request")
    summary = {name: min(values) for name, values in results.items()}
    names = list(subjects)
    log(json.dumps({n: f"{v / 1e6:.3f} M" for n, v in summary.items()}))
    log(f"{names[1]} / {names[0]}: {summary[names[1]] / summary[names[0]]:.4f}")


if __name__ == "__main__":
    main()
