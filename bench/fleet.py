#!/usr/bin/env python3
"""The fleet's bulk budget and plans (issue #12), on the benchmark's private PostgreSQL cluster
and on SQLite, with a release build. Standard library only; reuses bench/run.py's machinery.

    cargo build --release -p hangar
    python3 bench/fleet.py            # 10 calls of 10,000 drones per engine, then EXPLAIN

Each drone of a call carries the fleet fields a real import sends: a site (one of 20, by name),
two tags and a maintenance interval, besides its three cameras. The calls are timed (median and
slowest); the PostgreSQL data then gets a realistic life (statuses, check-outs, some overdue)
through SQL, and EXPLAIN (ANALYZE, BUFFERS) of the issue's two queries is printed for
bench/EXPLAIN.md. Needs root (su postgres for the private cluster) and PostgreSQL 15/16.
"""
import os, statistics, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (bench/run.py: the cluster, subjects, HTTP helpers)

CALLS = int(os.environ.get("CALLS", "10"))
SITES = run.SITES


def load(url, token, engine, pid):
    cameras = [{"model": f"Cam {i:02d}", "brand": ["DJI", "Sony", "GoPro"][i % 3], "megapixels": 12 + i} for i in range(30)]
    run.gql(url, "mutation($i: [RegisterCameraInput!]!) { registerCameras(inputs: $i) { created } }", {"i": cameras}, token)
    for name, city, country in SITES:
        run.gql(url, "mutation($i: CreateSiteInput!) { createSite(input: $i) { id } }",
                {"i": {"name": name, "city": city, "country": country}}, token)
    timings = []
    for call in range(CALLS):
        batch = run.drone_items(call * 10_000, 100_000)
        began, cpu = time.perf_counter(), run.cpu_ms(pid)
        data = run.gql(url, "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i) { created } }", {"i": batch}, token)
        timings.append(time.perf_counter() - began)
        cpu = run.cpu_ms(pid) - cpu
        assert data["registerDrones"]["created"] == 10_000
        run.log(f"  {engine}: {(call + 1) * 10_000:,} drones ({timings[-1]:.2f} s for 10,000; Hangar CPU {cpu:.0f} ms)")
    return timings


EXPLAINS = {
    "available drones in one city, by name": """
        SELECT d.* FROM drones d
        WHERE d.status = 0 AND EXISTS (SELECT 1 FROM sites s WHERE s.id = d.site_id AND s.city_key = 'lyon')
        ORDER BY d.name, d.id LIMIT 51""",
    "overdue check-outs, soonest due first": """
        SELECT d.* FROM drones d
        WHERE d.status = 1 AND d.due_back_at IS NOT NULL AND d.due_back_at < now()
        ORDER BY d.due_back_at NULLS LAST, d.id LIMIT 51""",
    "one pilot's drones (holderId, the partial index)": """
        SELECT d.* FROM drones d WHERE d.holder_id = 1
        ORDER BY d.due_back_at NULLS LAST, d.id LIMIT 51""",
}


def main():
    work = tempfile.mkdtemp(prefix="hangar-fleet-bench-")
    os.chmod(work, 0o755)
    cluster = run.Cluster(work)
    results = {}
    try:
        db = "bench_fleet"
        run.psql(f"DROP DATABASE IF EXISTS {db}")
        run.psql(f"CREATE DATABASE {db}")
        run.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", db)
        common = {"HANGAR_ADMIN_USERNAME": run.ADMIN, "HANGAR_ADMIN_PASSWORD": run.PASSWORD,
                  "RUST_LOG": os.environ.get("RUST_LOG", "warn"),
                  "JWT_SECRET": "bench-secret-bench-secret-bench-secret-42"}
        engines = [
            ("PostgreSQL", f"postgres://postgres@127.0.0.1:{run.PG_PORT}/{db}", 18191),
            ("SQLite", f"sqlite://{work}/fleet.db?mode=rwc", 18192),
        ]
        only = os.environ.get("ENGINE")
        for engine, database, port in [e for e in engines if not only or e[0] == only]:
            url = f"http://127.0.0.1:{port}/graphql"
            s = run.Subject(f"Hangar ({engine})", [run.HANGAR, "serve"],
                            {**common, "DATABASE_URL": database, "HANGAR_ADDR": f"127.0.0.1:{port}"}, url, work)
            try:
                run.wait_ready(url.replace("/graphql", "/readyz"), s.proc, engine)
                token = run.gql(url, run.LOGIN, {"u": run.ADMIN, "p": run.PASSWORD})["login"]["accessToken"]
                results[engine] = load(url, token, engine, s.proc.pid)
            finally:
                s.stop()
        if os.environ.get("TOP") == "1":
            top = run.psql("SELECT round(total_exec_time) || ' ms ' || calls || 'x ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 160) "
                           "FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12", db)
            print("slowest statements (total):\n" + top)
            print(run.psql("SELECT round(total_exec_time) || ' ms ' || calls || 'x max ' || round(max_exec_time) || ' ' || left(query, 60) "
                           "FROM pg_stat_statements ORDER BY max_exec_time DESC LIMIT 5", db))
        if os.environ.get("TOP") == "1":
            print(run.psql("SELECT relname || ' live ' || n_live_tup || ' analyzed ' || coalesce(last_autoanalyze::text, 'never') "
                           "FROM pg_stat_user_tables WHERE relname IN ('drones', 'drone_cameras', 'drone_tags')", db))
            print(run.psql("SET plan_cache_mode = force_generic_plan; "
                           "PREPARE p(text, text, text) AS SELECT * FROM drones WHERE serial_key IN ($1, $2, $3); "
                           "EXPLAIN EXECUTE p('a', 'b', 'c')", db))
        # A realistic life for the PostgreSQL fleet: 15 % checked out (a third of them overdue),
        # 3 % in maintenance, 1 % lost, 2 % retired.
        run.psql("""UPDATE drones SET status = 1, holder_id = 1, checked_out_at = now() - interval '5 days',
                        due_back_at = now() + ((id % 3) - 1) * interval '2 days' WHERE id % 100 < 15""", db)
        run.psql("UPDATE drones SET status = 2 WHERE id % 100 BETWEEN 15 AND 17", db)
        run.psql("UPDATE drones SET status = 3 WHERE id % 100 = 18", db)
        run.psql("UPDATE drones SET status = 4 WHERE id % 100 BETWEEN 19 AND 20", db)
        run.psql("VACUUM ANALYZE", db)
        for title, sql in EXPLAINS.items():
            plan = run.psql(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}", db)
            print(f"\n### {title}\n\n```sql\n{' '.join(sql.split())}\n```\n\n```\n{plan}\n```")
    finally:
        cluster.stop()
    print("\n| engine | median s | slowest s | calls |\n| --- | ---: | ---: | ---: |")
    for engine, timings in results.items():
        print(f"| {engine} | {statistics.median(timings):.2f} | {max(timings):.2f} | {len(timings)} |")


if __name__ == "__main__":
    main()
