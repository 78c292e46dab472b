#!/usr/bin/env python3
"""The login-storm figure of bench/run.py's (e), as an A/B of two Hangar binaries: the list
query's p99 at 100 req/s quiet and during a storm of 8 connections of argon2 logins, on
PostgreSQL with 10,000 drones, ROUNDS interleaved pairs of windows per binary, medians.

Written for #16 (the login throttle moved from memory into the database: one read per login),
to show the figure unchanged; it serves any change on the login path.

    cargo build --release -p hangar && cp target/release/hangar /tmp/bin-b
    (build the other side the same way into /tmp/bin-a)
    python3 bench/storm.py a=/tmp/bin-a b=/tmp/bin-b      # ROUNDS=5 DURATION=5s

Needs root (su postgres for the private cluster), PostgreSQL, oha and taskset, like run.py.
"""
import json, os, statistics, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "5"))
LIST = {"query": run.LIST, "variables": {"brand": "DJI", "first": 50}}


def start(name, binary, port, db, work):
    url = f"http://127.0.0.1:{port}/graphql"
    env = {"HANGAR_ADMIN_USERNAME": run.ADMIN, "HANGAR_ADMIN_PASSWORD": run.PASSWORD, "RUST_LOG": "warn",
           "JWT_SECRET": "bench-secret-bench-secret-bench-secret-42", "HANGAR_ADDR": f"127.0.0.1:{port}",
           "DATABASE_URL": f"postgres://postgres@127.0.0.1:{run.PG_PORT}/{db}"}
    subject = run.Subject(name, [binary, "serve"], env, url, work)
    run.wait_ready(url.replace("/graphql", "/readyz"), subject.proc, name)
    return subject


def storm_window(url, token):
    storm = subprocess.Popen(["taskset", "-c", run.LOAD_CPU, "oha", "--no-tui", "--output-format", "quiet", "-z",
                              run.DURATION, "-c", "8", "-m", "POST", "-H", "content-type: application/json", "-d",
                              json.dumps({"query": run.LOGIN, "variables": {"u": run.ADMIN, "p": run.PASSWORD}}), url])
    p99 = run.oha(url, LIST, token, rate=run.RATE)["p99"]
    storm.wait()
    return p99


def main():
    binaries = dict(arg.split("=", 1) for arg in sys.argv[1:])
    if not binaries or not all(os.path.exists(b) for b in binaries.values()):
        raise SystemExit("usage: storm.py a=/path/to/hangar b=/path/to/other-hangar")
    work = tempfile.mkdtemp(prefix="hangar-storm-")
    os.chmod(work, 0o755)
    cluster = run.Cluster(work)
    subjects, tokens = {}, {}
    try:
        for i, (label, binary) in enumerate(binaries.items()):
            db = f"storm_{label}"
            run.psql(f"CREATE DATABASE {db}")
            subjects[label] = start(label, binary, 18310 + i, db, work)
            url = subjects[label].url
            tokens[label] = run.gql(url, run.LOGIN, {"u": run.ADMIN, "p": run.PASSWORD})["login"]["accessToken"]
            run.load_data(url, tokens[label], 10_000, {}, "PostgreSQL")
            run.psql("VACUUM ANALYZE", db)
        quiet = {label: [] for label in binaries}
        stormy = {label: [] for label in binaries}
        for round_ in range(ROUNDS):
            for label, s in subjects.items():        # interleaved, binary by binary
                quiet[label].append(run.oha(s.url, LIST, tokens[label], rate=run.RATE)["p99"])
                stormy[label].append(storm_window(s.url, tokens[label]))
                run.log(f"  round {round_ + 1} {label}: list p99 {quiet[label][-1]:.2f} ms quiet, "
                        f"{stormy[label][-1]:.2f} ms during the storm")
        run.log(f"medians of {ROUNDS} window pairs, {run.DURATION} each, list at {run.RATE}/s:")
        for label, binary in binaries.items():
            q, s = statistics.median(quiet[label]), statistics.median(stormy[label])
            run.log(f"  {label} ({binary}): {q:.2f} ms quiet, {s:.2f} ms stormy: {s / q:.2f}x")
    finally:
        for s in subjects.values():
            s.stop()
        cluster.stop()


if __name__ == "__main__":
    main()
