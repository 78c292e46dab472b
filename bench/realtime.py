#!/usr/bin/env python3
"""Real time at scale (issue #15, item 6): droneEvents fanned out to 1,000 graphql-ws
subscribers on one Hangar instance, and to 500 on each of two instances on one PostgreSQL.

For each layout: the time from an updateDrone until every subscriber has its event (p50/p99
over ROUNDS rounds; also from the mutation's answer, which comes after its commit), the
server's RSS and CPU with the sockets open and idle, and the list query's p99 at 100 req/s
while events flow at 10/s, against the same without subscribers.

    cargo build --release -p hangar
    (cd clients/apollo && npm ci)        # the `ws` package the subscribers use
    python3 bench/realtime.py            # SUBSCRIBERS=1000 ROUNDS=50

Needs root (su postgres for the private cluster), PostgreSQL 15/16, oha, taskset, node.
Servers and PostgreSQL on one core, the subscribers and oha on the other.
"""
import json, os, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402

SUBSCRIBERS = int(os.environ.get("SUBSCRIBERS", "1000"))
ROUNDS = int(os.environ.get("ROUNDS", "50"))
FLOW_SECONDS = 10
FANOUT = os.path.join(run.BENCH, "realtime/fanout.mjs")
LIST = {"query": run.LIST, "variables": {"brand": "DJI", "first": 50}}


def start(name, port, db, work):
    url = f"http://127.0.0.1:{port}/graphql"
    env = {"HANGAR_ADMIN_USERNAME": run.ADMIN, "HANGAR_ADMIN_PASSWORD": run.PASSWORD, "RUST_LOG": "warn",
           "JWT_SECRET": "bench-secret-bench-secret-bench-secret-42", "HANGAR_ADDR": f"127.0.0.1:{port}",
           "DATABASE_URL": f"postgres://postgres@127.0.0.1:{run.PG_PORT}/{db}"}
    subject = run.Subject(name, [run.HANGAR, "serve"], env, url, work)
    run.wait_ready(url.replace("/graphql", "/readyz"), subject.proc, name)
    return subject


def layout(label, instances, work, db, lines):
    run.psql(f"DROP DATABASE IF EXISTS {db}")
    run.psql(f"CREATE DATABASE {db}")
    subjects = [start(f"Hangar {i + 1}", 18210 + i, db, work) for i in range(instances)]
    try:
        first = subjects[0].url
        token = run.gql(first, run.LOGIN, {"u": run.ADMIN, "p": run.PASSWORD})["login"]["accessToken"]
        run.load_data(first, token, 10_000, {}, "PostgreSQL")
        drone = run.gql(first, "{ drones(first: 1) { nodes { id } } }", {}, token)["drones"]["nodes"][0]["id"]
        quiet = run.oha(first, LIST, token, rate=run.RATE, duration=f"{FLOW_SECONDS}s")
        idle = [run.rss_kb(s.proc.pid, "VmRSS") / 1024 for s in subjects]

        cfg = {"http": first, "ws": [s.url.replace("http", "ws") + "/ws" for s in subjects], "token": token,
               "subscribers": SUBSCRIBERS, "rounds": ROUNDS, "droneId": drone, "flowSeconds": FLOW_SECONDS}
        client = subprocess.Popen(["taskset", "-c", run.LOAD_CPU, "node", FANOUT, json.dumps(cfg)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        connected = json.loads(client.stdout.readline())
        run.log(f"  {label}: {connected['connected']} sockets open in {connected['connectSeconds']:.1f} s")
        time.sleep(2)
        cpu_before = [run.cpu_ms(s.proc.pid) for s in subjects]
        time.sleep(5)
        idle_cpu = [(run.cpu_ms(s.proc.pid) - b) / 5000 * 100 for s, b in zip(subjects, cpu_before)]
        open_rss = [run.rss_kb(s.proc.pid, "VmRSS") / 1024 for s in subjects]
        client.stdin.write("go\n")
        client.stdin.flush()
        flowing = json.loads(client.stdout.readline())
        assert flowing.get("flowing")
        busy = run.oha(first, LIST, token, rate=run.RATE, duration=f"{FLOW_SECONDS}s")
        result = json.loads(client.stdout.readline())
        client.wait(timeout=60)
        peak_rss = [run.rss_kb(s.proc.pid, "VmHWM") / 1024 for s in subjects]
    finally:
        for s in subjects:
            s.stop()
    per = f"{SUBSCRIBERS // instances} on each of {instances}" if instances > 1 else f"{SUBSCRIBERS} on one"
    mb = lambda values: " + ".join(f"{v:.0f}" for v in values)
    lines.append(
        f"| {label} ({per}) | {result['everyoneP50']:.1f} / {result['everyoneP99']:.1f} ms "
        f"| {result['sinceResponseP50']:.1f} / {result['sinceResponseP99']:.1f} ms "
        f"| {result['deliveryP50']:.1f} / {result['deliveryP99']:.1f} ms "
        f"| {mb(idle)} -> {mb(open_rss)} MB (peak {mb(peak_rss)}) | {' + '.join(f'{c:.1f}' for c in idle_cpu)} % "
        f"| {quiet['p99']:.2f} -> {busy['p99']:.2f} ms |")
    run.log(lines[-1])


def main():
    work = tempfile.mkdtemp(prefix="hangar-realtime-")
    os.chmod(work, 0o755)
    cluster = run.Cluster(work)
    lines = []
    try:
        layout("one instance", 1, work, "bench_rt1", lines)
        layout("two instances, one PostgreSQL", 2, work, "bench_rt2", lines)
    finally:
        cluster.stop()
    print(f"\n{SUBSCRIBERS} subscribers, {ROUNDS} rounds of one updateDrone; p50 / p99\n")
    print("| layout | all have it, from the mutation's send | from its answer (after commit) | each delivery "
          "| server RSS idle -> sockets open | CPU, sockets idle | list p99 quiet -> events at 10/s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
