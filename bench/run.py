#!/usr/bin/env python3
"""Hangar's side-by-side benchmark: Hangar, the hand-written baseline, PostGraphile V5 and
Seaography 2 on the same data, measured in one run. See bench/README.md. Standard library only.

    python3 bench/run.py                  # full run (10k, 100k and 1M drones), writes bench/RESULTS.md
    SIZES=10k,100k python3 bench/run.py   # the sizes knob: any of 10k, 100k, 1M (or plain numbers)
    QUICK=1 python3 bench/run.py          # a smoke run: 10k only, short and few rounds

Needs: release builds (cargo build --release -p hangar -p hangar-bench-baseline, and
cargo build --release --manifest-path bench/peers/seaography/Cargo.toml), oha on PATH
(cargo install oha --locked), npm ci in bench/peers/postgraphile, PostgreSQL 15 binaries
(initdb/pg_ctl; the run starts a private cluster of its own), taskset.
"""
import importlib.util, json, os, random, shutil, signal, sqlite3, statistics, subprocess, tempfile, threading, time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
QUICK = os.environ.get("QUICK") == "1"


def parse_size(text):
    text = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


SIZES = [parse_size(t) for t in os.environ.get("SIZES", "10k" if QUICK else "10k,100k,1M").split(",")]
if any(size % 10_000 for size in SIZES):
    raise SystemExit("SIZES: each size is a multiple of 10,000 drones (they are registered 10,000 per call)")
ROUNDS = int(os.environ.get("ROUNDS", "1" if QUICK else "3"))
DURATION = os.environ.get("DURATION", "3s" if QUICK else "8s")
CONCURRENCY = int(os.environ.get("CONCURRENCY", "16"))
RATE = int(os.environ.get("RATE", "100"))          # open-loop req/s for p50/p99: well under every subject's capacity
SERVER_CPU, LOAD_CPU = "0", "1"
PG_BIN = next((p for p in ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin"] if os.path.isdir(p)), None)
PG_PORT = 55432
HANGAR = os.path.join(ROOT, "target/release/hangar")
BASELINE = os.path.join(ROOT, "target/release/hangar-bench-baseline")
POSTGRAPHILE_DIR = os.path.join(BENCH, "peers/postgraphile")
_spec = importlib.util.spec_from_file_location("seaography", os.path.join(BENCH, "peers/seaography/subject.py"))
SEAOGRAPHY = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(SEAOGRAPHY)
SUBJECTS = ["Hangar (PostgreSQL)", "baseline (PostgreSQL)", "PostGraphile (PostgreSQL)", "Seaography (PostgreSQL)",
            "Hangar (SQLite)"]
ADMIN, PASSWORD = "admin", "bench-admin-password"
BRANDS = ["DJI", "Skydio", "Parrot", "Autel", "Freefly"]   # DJI: every fifth drone, 20 %
CITIES = [("Paris", "FR"), ("Lyon", "FR"), ("Berlin", "DE"), ("Munich", "DE"), ("Austin", "US"),
          ("Denver", "US"), ("Toronto", "CA"), ("Madrid", "ES"), ("Milan", "IT"), ("Oslo", "NO")]
SITES = [(f"{city} {kind}", city, country) for city, country in CITIES for kind in ("HQ", "Depot")]
TAGS = ["thermal", "mapping", "inspection", "night-ops", "training", "spare", "rtk", "cinema"]

LIST = """query List($brand: String!, $first: Int, $after: String) {
  drones(first: $first, after: $after, filter: {brand: {eq: $brand}}, orderBy: [{field: NAME}]) {
    totalCount edges { node { id serialNumber name brand cameras { model megapixels brand } } } } }"""
POINT = """query Point($serial: String!) {
  drone(serialNumber: $serial) { id serialNumber name brand cameras { model megapixels brand } } }"""
PG_LIST = """query List($brand: String!, $first: Int, $after: Cursor) {
  allDrones(first: $first, after: $after, filter: {brand: {equalTo: $brand}}, orderBy: [NAME_ASC, PRIMARY_KEY_ASC]) {
    totalCount edges { node { rowId serialNumber name brand
      droneCamerasByDroneId { nodes { cameraByCameraId { model megapixels brand } } } } } } }"""
PG_POINT = """query Point($serial: String!) {
  allDrones(condition: {serialKey: $serial}, first: 1) { nodes { rowId serialNumber name brand
    droneCamerasByDroneId { nodes { cameraByCameraId { model megapixels brand } } } } } }"""
# (f) and (g), the fleet's own workloads (Hangar only: the peers have no sites, statuses or stats).
CITY = """query City($city: String!) {
  drones(first: 50, filter: {status: {eq: AVAILABLE}, city: $city}, orderBy: [{field: NAME}]) {
    totalCount edges { node { id serialNumber name status cameras { model megapixels brand }
      site { id name city } holder { id username } } } } }"""
STATS = """query Stats { droneStats { total byStatus { status count } byBrand { brand count }
  bySite { site { id name } count } overdue maintenanceDue } }"""
UPDATE = "mutation Rename($id: ID!, $name: String!) { updateDrone(id: $id, input: {name: $name}) { id name } }"
WORKLOADS = {"a": "(a) list: 50 DJI drones by name with cameras and totalCount", "b": "(b) the same 90 % deep (cursor)",
             "c": "(c) point lookup by serial number",
             "f": "(f) fleet: 50 available drones in one city by name, with cameras, site, holder and totalCount",
             "g": "(g) fleet: droneStats over the whole fleet"}
LOGIN = "mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }"


def log(*args):
    print(*args, flush=True)


def post(url, body, token=None, timeout=600):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, json.dumps(body).encode(), headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def gql(url, query, variables, token=None):
    answer = json.loads(post(url, {"query": query, "variables": variables}, token))
    if answer.get("errors"):
        raise SystemExit(f"{url}: GraphQL errors: {answer['errors']}")
    return answer["data"]


def wait_ready(url, proc, what):
    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited early (code {proc.returncode}); see its log in the work dir")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not answer {url}")


def cpu_ms(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def rss_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return 0


def psql(sql, db="postgres"):
    return subprocess.run([f"{PG_BIN}/psql", "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "-d", db,
                           "-Atqc", sql], check=True, capture_output=True, text=True).stdout.strip()


class Cluster:
    """A private PostgreSQL cluster pinned to the server core, with pg_stat_statements."""

    def __init__(self, work):
        self.dir = os.path.join(work, "pg")
        os.makedirs(self.dir)
        shutil.chown(work, "postgres")
        shutil.chown(self.dir, "postgres")
        os.chmod(self.dir, 0o700)
        subprocess.run(["su", "postgres", "-c", f"{PG_BIN}/initdb -A trust -U postgres -D {self.dir}"],
                       check=True, capture_output=True)
        opts = (f"-p {PG_PORT} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} "
                "-c shared_preload_libraries=pg_stat_statements -c max_connections=100 "
                "-c shared_buffers=256MB -c fsync=on -c synchronous_commit=on")
        subprocess.run(["su", "postgres", "-c",
                        f"taskset -c {SERVER_CPU} {PG_BIN}/pg_ctl -D {self.dir} -o '{opts}' -l {self.dir}/log -w start"],
                       check=True, capture_output=True)

    def stop(self):
        subprocess.run(["su", "postgres", "-c", f"{PG_BIN}/pg_ctl -D {self.dir} -m fast -w stop"], capture_output=True)


class Subject:
    def __init__(self, name, argv, env, url, work, cwd=None):
        self.name, self.url = name, url
        self.log = open(os.path.join(work, name.replace(" ", "_") + ".log"), "w")
        self.proc = subprocess.Popen(["taskset", "-c", SERVER_CPU] + argv, env={**os.environ, **env},
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=cwd)

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def oha(url, body, token=None, rate=None, concurrency=CONCURRENCY, duration=DURATION):
    # --disable-compression: oha asks for gzip/br by default; the baseline and PostGraphile send
    # plain JSON, so every subject is measured producing the same bytes.
    argv = ["taskset", "-c", LOAD_CPU, "oha", "--no-tui", "--disable-compression", "--output-format", "json", "-z", duration,
            "-c", str(concurrency), "-m", "POST", "-H", "content-type: application/json", "-d", json.dumps(body), url]
    if token:
        argv[argv.index("-m"):argv.index("-m")] = ["-H", f"authorization: Bearer {token}"]
    if rate:
        argv[argv.index("-z"):argv.index("-z")] = ["-q", str(rate), "--latency-correction"]
    out = json.loads(subprocess.run(argv, check=True, capture_output=True, text=True).stdout)
    codes = out.get("statusCodeDistribution", {})
    ok = codes.get("200", 0)
    if not codes:
        return None                  # not one answer within the run: too slow to measure so
    if ok == 0 or len(codes) > 1:
        raise SystemExit(f"{url}: unexpected status codes {codes}")
    return {"rps": out["summary"]["requestsPerSec"], "p50": out["latencyPercentiles"]["p50"] * 1000,
            "p99": out["latencyPercentiles"]["p99"] * 1000, "requests": ok}


def pg_statements(db):
    return int(psql("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
                    f"WHERE d.datname = '{db}' AND query NOT ILIKE '%pg_stat_statements%'", db) or 0)


def hangar_statements(url):
    text = urllib.request.urlopen(url.replace("/graphql", "/metrics")).read().decode()
    return int(next(l.split()[1] for l in text.splitlines() if l.startswith("hangar_db_statements_total ")))


def drone_items(start, size):
    """Drones `start` .. `start + 10,000` of a `size`-drone fleet, with what a real import sends:
    three cameras, a site (one of 20, by name), two tags and a maintenance interval. Names are a
    permutation of the serial numbers (7919 is prime to every size), so by-name pages jump about."""
    return [{"serialNumber": f"SN{n:07d}", "name": f"Drone {(n * 7919) % size:07d}", "brand": BRANDS[n % 5],
             "cameraModels": [f"Cam {(n + k) % 30:02d}" for k in range(3)],
             "site": SITES[n % len(SITES)][0], "tags": [TAGS[n % 8], TAGS[(n // 8) % 8]],
             "maintenanceIntervalDays": [30, 90, 180, 365][n % 4]} for n in range(start, start + 10_000)]


def load_data(url, token, size, results, engine):
    """Registers 30 cameras, 20 sites and `size` drones in calls of 10,000 (workload d), showing
    progress: a 1M fleet is 100 calls per engine."""
    cameras = [{"model": f"Cam {i:02d}", "brand": ["DJI", "Sony", "GoPro"][i % 3], "megapixels": 12 + i} for i in range(30)]
    gql(url, "mutation($i: [RegisterCameraInput!]!) { registerCameras(inputs: $i) { created } }", {"i": cameras}, token)
    for name, city, country in SITES:
        gql(url, "mutation($i: CreateSiteInput!) { createSite(input: $i) { id } }",
            {"i": {"name": name, "city": city, "country": country}}, token)
    timings, began_all = [], time.perf_counter()
    for start in range(0, size, 10_000):
        items = drone_items(start, size)
        began = time.perf_counter()
        data = gql(url, "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i) { created } }", {"i": items}, token)
        timings.append(time.perf_counter() - began)
        assert data["registerDrones"]["created"] == 10_000
        done = start + 10_000
        eta = (time.perf_counter() - began_all) / done * (size - done)
        log(f"    {engine}: {done:,}/{size:,} drones registered ({timings[-1]:.2f} s for 10,000; ~{eta:.0f} s to go)")
    results.setdefault(("bulk", engine), []).extend(timings)


# A fleet's life, the same on both engines, written in SQL after the load (the servers start
# afresh afterwards, so no count is remembered across it): 15 % checked out to the admin (a
# third of them overdue: due back when they were registered), 3 % in maintenance, 1 % lost,
# 2 % retired. Portable SQL: the timestamps are copied, never formatted.
LIFE = [
    "UPDATE drones SET status = 1, holder_id = (SELECT min(id) FROM users), checked_out_at = created_at, "
    "due_back_at = CASE WHEN id % 3 = 0 THEN created_at END WHERE id % 100 < 15",
    "UPDATE drones SET status = 2 WHERE id % 100 BETWEEN 15 AND 17",
    "UPDATE drones SET status = 3 WHERE id % 100 = 18",
    "UPDATE drones SET status = 4 WHERE id % 100 BETWEEN 19 AND 20",
]


def deep_cursor(url, token, size):
    """The cursor of the row 90 % down the DJI list (Hangar's cursor format)."""
    total, after = size // 5, None
    target = int(total * 0.9)
    while target > 0:
        step = min(target, 100)
        data = gql(url, "query($a: String, $n: Int) { drones(first: $n, after: $a, filter: {brand: {eq: \"DJI\"}}, "
                        "orderBy: [{field: NAME}]) { pageInfo { endCursor } } }", {"a": after, "n": step}, token)
        after, target = data["drones"]["pageInfo"]["endCursor"], target - step
    return after


def main():
    for tool, hint in [(HANGAR, "cargo build --release -p hangar -p hangar-bench-baseline"), (BASELINE, "same"),
                       (SEAOGRAPHY.BINARY, " ".join(SEAOGRAPHY.BUILD)),
                       (shutil.which("oha"), "cargo install oha --locked"),
                       (os.path.join(POSTGRAPHILE_DIR, "node_modules"), "cd bench/peers/postgraphile && npm ci"),
                       (PG_BIN, "apt-get install postgresql")]:
        if not tool or not os.path.exists(tool):
            raise SystemExit(f"missing {tool or hint}: {hint}")
    work = tempfile.mkdtemp(prefix="hangar-bench-")
    os.chmod(work, 0o755)
    log(f"work dir {work}; rounds {ROUNDS}, {DURATION} per run, concurrency {CONCURRENCY}, open-loop {RATE}/s")
    cluster = Cluster(work)
    results, meta = {}, {}
    try:
        for done, size in enumerate(SIZES):
            run_size(size, work, results, meta)
            write_results(results, meta, SIZES[:done + 1])     # kept if a later size fails
    finally:
        cluster.stop()


def run_size(size, work, results, meta):
    db = f"bench_{size}"
    psql(f"DROP DATABASE IF EXISTS {db}")
    psql(f"CREATE DATABASE {db}")
    psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", db)
    pg_url = f"postgres://postgres@127.0.0.1:{PG_PORT}/{db}"
    sqlite_file = os.path.join(work, f"bench_{size}.db")
    common = {"HANGAR_ADMIN_USERNAME": ADMIN, "HANGAR_ADMIN_PASSWORD": PASSWORD, "RUST_LOG": "warn",
              "JWT_SECRET": "bench-secret-bench-secret-bench-secret-42", "HANGAR_MAX_QUERY_COMPLEXITY": "20000"}
    ports = {"Hangar (PostgreSQL)": 18181, "baseline (PostgreSQL)": 18182, "PostGraphile (PostgreSQL)": 18183,
             "Seaography (PostgreSQL)": 18185, "Hangar (SQLite)": 18184}

    def start(name):
        port = ports[name]
        url = f"http://127.0.0.1:{port}/graphql"
        if name.startswith("Hangar"):
            database = pg_url if "Postgre" in name else f"sqlite://{sqlite_file}?mode=rwc"
            s = Subject(name, [HANGAR, "serve"], {**common, "DATABASE_URL": database, "HANGAR_ADDR": f"127.0.0.1:{port}"}, url, work)
            wait_ready(url.replace("/graphql", "/readyz"), s.proc, name)
        elif name.startswith("Seaography"):
            s = Subject(name, [SEAOGRAPHY.BINARY], SEAOGRAPHY.env(pg_url, port), url, work)
            wait_ready_post(url, s.proc, name, {"query": "{ __typename }"})
        elif name.startswith("baseline"):
            s = Subject(name, [BASELINE], {"DATABASE_URL": pg_url, "BASELINE_ADDR": f"127.0.0.1:{port}"}, url, work)
            wait_ready_post(url, s.proc, name, {"variables": {"serial": "none"}})
        else:
            s = Subject(name, ["node", "--import", "./node20-polyfill.mjs", "node_modules/.bin/postgraphile"],
                        {"DATABASE_URL": pg_url, "PORT": str(port), "NODE_ENV": "production"}, url, work, cwd=POSTGRAPHILE_DIR)
            wait_ready_post(url, s.proc, name, {"query": "{ __typename }"})
        s.idle_rss = rss_kb(s.proc.pid, "VmRSS")
        return s

    # Data, through Hangar's own bulk API (this is workload d).
    log(f"\n== {size:,} drones")
    for name in ["Hangar (PostgreSQL)", "Hangar (SQLite)"]:
        s = start(name)
        token = gql(s.url, LOGIN, {"u": ADMIN, "p": PASSWORD})["login"]["accessToken"]
        load_data(s.url, token, size, results, "PostgreSQL" if "Postgre" in name else "SQLite")
        s.stop()
    log("    a fleet's life (statuses, check-outs, some overdue) in SQL on both engines")
    for statement in LIFE:
        psql(statement, db)
    with sqlite3.connect(sqlite_file) as lite:
        for statement in LIFE:
            lite.execute(statement)
    with sqlite3.connect(sqlite_file) as lite:
        lite.execute("ANALYZE")
    psql("VACUUM ANALYZE", db)

    names = SUBJECTS
    subjects = {name: start(name) for name in names}
    try:
        token = gql(subjects["Hangar (PostgreSQL)"].url, LOGIN, {"u": ADMIN, "p": PASSWORD})["login"]["accessToken"]
        sqlite_token = gql(subjects["Hangar (SQLite)"].url, LOGIN, {"u": ADMIN, "p": PASSWORD})["login"]["accessToken"]
        cursor = deep_cursor(subjects["Hangar (PostgreSQL)"].url, token, size)
        sqlite_cursor = deep_cursor(subjects["Hangar (SQLite)"].url, sqlite_token, size)
        pg_cursor = postgraphile_cursor(subjects["PostGraphile (PostgreSQL)"].url, size)
        serial = f"sn{size // 2:07d}"
        bodies = {}
        for name, s in subjects.items():
            tok = sqlite_token if "SQLite" in name else token if name.startswith("Hangar") else None
            if name.startswith("Seaography"):
                bodies[name] = (None, SEAOGRAPHY.bodies(s.url, size, serial))
            elif name.startswith("PostGraphile"):
                bodies[name] = (tok, {"a": {"query": PG_LIST, "variables": {"brand": "DJI", "first": 50}},
                                      "b": {"query": PG_LIST, "variables": {"brand": "DJI", "first": 50, "after": pg_cursor}},
                                      "c": {"query": PG_POINT, "variables": {"serial": serial}}})
            else:
                c = sqlite_cursor if "SQLite" in name else cursor
                bodies[name] = (tok, {"a": {"query": LIST, "variables": {"brand": "DJI", "first": 50}},
                                      "b": {"query": LIST, "variables": {"brand": "DJI", "first": 50, "after": c}},
                                      "c": {"query": POINT, "variables": {"serial": serial}}})
                if name.startswith("Hangar"):
                    bodies[name][1].update({"f": {"query": CITY, "variables": {"city": "Lyon"}}, "g": {"query": STATS}})
        check_answers(subjects, bodies, db)
        for round_ in range(ROUNDS):
            for workload in WORKLOADS:
                for name, s in subjects.items():          # interleaved, subject by subject
                    tok, b = bodies[name]
                    if workload not in b:
                        continue
                    key = (size, name, workload)
                    before_cpu = cpu_ms(s.proc.pid)
                    before_sql = hangar_statements(s.url) if name == "Hangar (SQLite)" else pg_statements(db)
                    closed = oha(s.url, b[workload], tok)
                    if closed is None:
                        log(f"  round {round_ + 1} {workload} {name:28} no answer within {DURATION}")
                        continue
                    cpu = (cpu_ms(s.proc.pid) - before_cpu) / closed["requests"]
                    after_sql = hangar_statements(s.url) if name == "Hangar (SQLite)" else pg_statements(db)
                    statements = (after_sql - before_sql) / closed["requests"]
                    # Open loop under the subject's capacity, or p99 measures a queue: RATE, or
                    # half of what this subject just sustained closed loop if that is less.
                    rate = max(1, min(RATE, int(closed["rps"] / 2)))
                    opened = oha(s.url, b[workload], tok, rate=rate) or {"p50": float("nan"), "p99": float("nan")}
                    results.setdefault(key, []).append({"rps": closed["rps"], "p50": opened["p50"], "p99": opened["p99"],
                                                        "cpu_ms": cpu, "sql": statements, "rate": rate})
                    log(f"  round {round_ + 1} {workload} {name:28} {closed['rps']:8.0f} req/s  p50 {opened['p50']:6.2f} ms"
                        f"  p99 {opened['p99']:6.2f} ms (at {rate}/s)  {cpu:5.2f} CPU-ms  {statements:4.1f} SQL/req")
        # (e) the list query's p99 during a login storm, Hangar on PostgreSQL.
        s = subjects["Hangar (PostgreSQL)"]
        tok, b = bodies["Hangar (PostgreSQL)"]
        # ROUNDS pairs of quiet and stormy windows, medians: one window alone can catch a
        # stall (a checkpoint, autovacuum) and make the ratio meaningless.
        quiet_p99s, storm_p99s = [], []
        for _ in range(ROUNDS):
            quiet_p99s.append(oha(s.url, b["a"], tok, rate=RATE)["p99"])
            storm = subprocess.Popen(["taskset", "-c", LOAD_CPU, "oha", "--no-tui", "--output-format", "quiet", "-z", DURATION,
                                      "-c", "8", "-m", "POST", "-H", "content-type: application/json", "-d",
                                      json.dumps({"query": LOGIN, "variables": {"u": ADMIN, "p": PASSWORD}}), s.url])
            storm_p99s.append(oha(s.url, b["a"], tok, rate=RATE)["p99"])
            storm.wait()
        results[(size, "storm")] = {"quiet_p99": median(quiet_p99s), "storm_p99": median(storm_p99s)}
        log(f"  (e) list p99 {median(quiet_p99s):.2f} ms quiet, {median(storm_p99s):.2f} ms during a login storm "
            f"(medians of {ROUNDS})")
        for name in ["Hangar (PostgreSQL)", "Hangar (SQLite)"]:
            tok, b = bodies[name]
            mixed = mixed_workload(subjects[name].url, b["a"], tok, size)
            results[(size, name, "mixed")] = mixed
            log(f"  (h) {name}: list p99 {mixed['list_p99']:.2f} ms with {mixed['writes']} updateDrone "
                f"(p50 {mixed['write_p50']:.2f} ms, slowest {mixed['write_max']:.2f} ms)")
        for name, s in subjects.items():
            meta[(size, name)] = {"idle_rss_mb": s.idle_rss / 1024, "peak_rss_mb": rss_kb(s.proc.pid, "VmHWM") / 1024}
    finally:
        for s in subjects.values():
            s.stop()


def mixed_workload(url, list_body, token, size):
    """(h) 95 % list, 5 % updateDrone: the list open-loop at 95 req/s (oha) while a writer renames
    a random drone 5 times a second (each write moves the inventory epoch, so the next list
    request counts afresh). Returns the list's p50/p99 and the writes' latencies."""
    seconds = float(DURATION.rstrip("s"))
    latencies, stop = [], time.monotonic() + seconds
    rng = random.Random(size)

    def writer():
        while time.monotonic() < stop:
            began = time.perf_counter()
            variables = {"id": str(rng.randrange(1, size + 1)), "name": f"Drone {rng.randrange(size):07d}"}
            answer = json.loads(post(url, {"query": UPDATE, "variables": variables}, token))
            assert not answer.get("errors"), answer
            latencies.append((time.perf_counter() - began) * 1000)
            time.sleep(max(0.0, 0.2 - (time.perf_counter() - began)))

    thread = threading.Thread(target=writer)
    thread.start()
    reads = oha(url, list_body, token, rate=RATE * 95 // 100)
    thread.join()
    return {"list_p50": reads["p50"], "list_p99": reads["p99"], "writes": len(latencies),
            "write_p50": median(latencies), "write_max": max(latencies)}


def wait_ready_post(url, proc, what, body):
    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited early (code {proc.returncode})")
        try:
            post(url, body, timeout=2)
            return
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not answer")


def postgraphile_cursor(url, size):
    data = gql(url, "query($o: Int) { allDrones(first: 1, offset: $o, filter: {brand: {equalTo: \"DJI\"}}, "
                    "orderBy: [NAME_ASC, PRIMARY_KEY_ASC]) { edges { cursor } } }", {"o": int(size // 5 * 0.9) - 1})
    return data["allDrones"]["edges"][0]["cursor"]


def check_answers(subjects, bodies, db):
    """Once per subject, before timing: the right data and no `errors` (they come back as 200)."""
    hangar_token, hangar_bodies = bodies["Hangar (PostgreSQL)"]
    hangar = {w: post(subjects["Hangar (PostgreSQL)"].url, body, hangar_token) for w, body in hangar_bodies.items()}
    for w in hangar:
        assert b'"errors"' not in hangar[w], hangar[w][:300]
    for name, s in subjects.items():
        tok, b = bodies[name]
        for w in b:
            answer = post(s.url, b[w], tok)
            assert b'"errors"' not in answer, f"{name} {w}: {answer[:300]}"
            if name.startswith("baseline"):
                # Same bytes up to the order of sibling keys: async-graphql 7.2 emits an object's
                # fields in the order their resolvers finish (FuturesUnordered), not the
                # selection's order, so `totalCount` and `edges` swap from one answer to the next.
                assert len(answer) == len(hangar[w]) and json.loads(answer) == json.loads(hangar[w]), \
                    f"baseline {w} differs from Hangar:\n{answer[:300]}\n{hangar[w][:300]}"
            elif name.startswith("Seaography"):
                SEAOGRAPHY.same_answer(hangar[w], answer)
            elif name.startswith("PostGraphile"):
                ours = json.loads(hangar[w])["data"]
                theirs = json.loads(answer)["data"]["allDrones"]
                ours_nodes = [ours["drone"]] if w == "c" else [e["node"] for e in ours["drones"]["edges"]]
                their_nodes = theirs["nodes"] if w == "c" else [e["node"] for e in theirs["edges"]]
                assert [n["serialNumber"] for n in ours_nodes] == [n["serialNumber"] for n in their_nodes], f"PostGraphile {w}"
                assert sorted(c["model"] for c in ours_nodes[0]["cameras"]) == sorted(
                    x["cameraByCameraId"]["model"] for x in their_nodes[0]["droneCamerasByDroneId"]["nodes"])
            elif name == "Hangar (SQLite)":
                assert json.loads(answer)["data"] == json.loads(hangar[w])["data"], f"SQLite {w}"
    # The fleet workloads against plain SQL.
    city = json.loads(hangar["f"])["data"]["drones"]
    expected = int(psql("SELECT count(*) FROM drones d JOIN sites s ON s.id = d.site_id WHERE d.status = 0 AND s.city = 'Lyon'", db))
    assert city["totalCount"] == expected and len(city["edges"]) == min(50, expected), (city["totalCount"], expected)
    assert all(e["node"]["site"]["city"] == "Lyon" and e["node"]["status"] == "AVAILABLE" for e in city["edges"])
    stats = json.loads(hangar["g"])["data"]["droneStats"]
    assert stats["total"] == int(psql("SELECT count(*) FROM drones", db)), stats["total"]
    assert stats["overdue"] == int(psql("SELECT count(*) FROM drones WHERE status = 1 AND due_back_at < now()", db))
    log("  answers checked: same data from every subject, no errors; fleet counts match SQL")


def median(values):
    return statistics.median(values)


def write_results(results, meta, sizes):
    lines = ["# Benchmark results", "",
             f"Written by `python3 bench/run.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
             f"Machine: {os.cpu_count()} cores; servers and PostgreSQL pinned to core {SERVER_CPU}, oha to core {LOAD_CPU}. "
             f"{ROUNDS} interleaved rounds of {DURATION} per measurement, medians shown. Throughput: closed loop, "
             f"{CONCURRENCY} connections. p50/p99: open loop at {RATE} req/s (latency-corrected), or at half the "
             "subject's closed-loop req/s where that is less (column \"open loop req/s\"; above capacity p99 measures a queue). CPU-ms: server "
             "process user+system time per request (PostgreSQL's own time is not included). SQL: statements per "
             "request (pg_stat_statements; Hangar on SQLite: its statement counter).", ""]
    svg_rows = []
    for size in sizes:
        lines += [f"## {size:,} drones", ""]
        for w, title in WORKLOADS.items():
            lines += [f"### {title}", "", "| subject | req/s | × baseline | p50 ms | p99 ms | p99 × baseline | open loop req/s | CPU-ms/req | SQL/req |",
                      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
            base = results.get((size, "baseline (PostgreSQL)", w))
            base_rps = median([r["rps"] for r in base]) if base else None
            base_p99 = median([r["p99"] for r in base]) if base else None
            for name in SUBJECTS:
                rs = results.get((size, name, w))
                if not rs:
                    continue
                rps, p50, p99 = (median([r[k] for r in rs]) for k in ("rps", "p50", "p99"))
                cpu, sql = median([r["cpu_ms"] for r in rs]), median([r["sql"] for r in rs])
                x_rps = f"{rps / base_rps:.2f}" if base_rps else "—"
                x_p99 = f"{p99 / base_p99:.2f}" if base_p99 else "—"
                rate = min(r["rate"] for r in rs)
                lines.append(f"| {name} | {rps:,.0f} | {x_rps} | {p50:.2f} | {p99:.2f} | {x_p99} | {rate} | {cpu:.2f} | {sql:.1f} |")
                if w == "a":
                    svg_rows.append((f"{name} {size_label(size)}", rps, p99))
            lines.append("")
        storm = results.get((size, "storm"))
        if storm:
            lines += [f"(e) list query p99 on Hangar (PostgreSQL): {storm['quiet_p99']:.2f} ms quiet, {storm['storm_p99']:.2f} ms "
                      f"during a login storm (8 connections of argon2 logins; medians of {ROUNDS} window pairs): {storm['storm_p99'] / storm['quiet_p99']:.2f}×.", ""]
        mixed = [(name, results.get((size, name, "mixed"))) for name in SUBJECTS]
        if any(m for _, m in mixed):
            lines += [f"(h) mixed: 95 % list (a) at {RATE * 95 // 100} req/s open loop, 5 % updateDrone (a random drone "
                      "renamed 5 times a second, each write moving the inventory epoch):", "",
                      "| subject | list p50 ms | list p99 ms | updateDrone calls | updateDrone p50 ms | slowest ms |",
                      "| --- | ---: | ---: | ---: | ---: | ---: |"]
            for name, m in mixed:
                if m:
                    lines.append(f"| {name} | {m['list_p50']:.2f} | {m['list_p99']:.2f} | {m['writes']} | "
                                 f"{m['write_p50']:.2f} | {m['write_max']:.2f} |")
            lines.append("")
        lines += ["| subject | idle RSS MB | peak RSS MB |", "| --- | ---: | ---: |"]
        for (s, name), m in meta.items():
            if s == size:
                lines.append(f"| {name} | {m['idle_rss_mb']:.1f} | {m['peak_rss_mb']:.1f} |")
        lines.append("")
    lines += ["## (d) registerDrones, 10,000 drones per call", "", "| engine | median s | calls |", "| --- | ---: | ---: |"]
    for engine in ["PostgreSQL", "SQLite"]:
        t = results.get(("bulk", engine), [])
        if t:
            lines.append(f"| {engine} | {median(t):.2f} | {len(t)} |")
    small, large = min(sizes), max(sizes)
    if small != large:
        lines += ["", f"## Flat cost: list (a) p50 at {large:,} drones over its p50 at {small:,}", "",
                  "| subject | p50 ratio | req/s ratio |", "| --- | ---: | ---: |"]
        for name in SUBJECTS:
            lo, hi = results.get((small, name, "a")), results.get((large, name, "a"))
            if lo and hi:
                lines.append(f"| {name} | {median([r['p50'] for r in hi]) / median([r['p50'] for r in lo]):.2f} | "
                             f"{median([r['rps'] for r in hi]) / median([r['rps'] for r in lo]):.2f} |")
    lines += ["", "![throughput and p99 of the list query](results.svg)", ""]
    with open(os.path.join(BENCH, "RESULTS.md"), "w") as f:
        f.write("\n".join(lines))
    write_svg(svg_rows)
    log("\n".join(lines))


def size_label(size):
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000:,}k"


def write_svg(rows):
    width, bar_h, gap, left = 900, 18, 10, 260
    height = 60 + len(rows) * (2 * bar_h + gap)
    max_rps = max((r[1] for r in rows), default=1)
    max_p99 = max((r[2] for r in rows), default=1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           '<text x="10" y="20" font-size="14">List query (a): throughput (blue, req/s, closed loop) and p99 (orange, ms, open loop under each subject&#39;s capacity)</text>']
    y = 40
    for label, rps, p99 in rows:
        w1 = (width - left - 120) * rps / max_rps
        w2 = (width - left - 120) * p99 / max_p99
        out.append(f'<text x="10" y="{y + bar_h}">{label}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{w1:.1f}" height="{bar_h - 2}" fill="#3b6fd6"/>')
        out.append(f'<text x="{left + w1 + 5:.1f}" y="{y + bar_h - 5}">{rps:,.0f} req/s</text>')
        out.append(f'<rect x="{left}" y="{y + bar_h}" width="{w2:.1f}" height="{bar_h - 2}" fill="#e8862a"/>')
        out.append(f'<text x="{left + w2 + 5:.1f}" y="{y + 2 * bar_h - 5}">{p99:.2f} ms</text>')
        y += 2 * bar_h + gap
    out.append("</svg>")
    with open(os.path.join(BENCH, "results.svg"), "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
