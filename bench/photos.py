#!/usr/bin/env python3
"""Photo figures (issue #13): a 5 MB JPEG upload (time and the server's memory), thumbnail
fetches per second, and the list query with `photos { thumbnailUrl }` against the same
without. Release build, the benchmark's private PostgreSQL cluster, the `database` store.
Standard library only; reuses bench/run.py's machinery.

    cargo build --release -p hangar --example photo_fixture
    cargo install oha --locked
    python3 bench/photos.py

The test images are drawn by `examples/photo_fixture.rs`, not downloaded. Needs root (su
postgres for the private cluster) and PostgreSQL 15/16.
"""
import json, os, statistics, subprocess, sys, tempfile, time, urllib.request, uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402

UPLOADS = int(os.environ.get("UPLOADS", "5"))
DURATION = os.environ.get("DURATION", "5s")
ADD = ("mutation($d: ID!, $f: Upload!) { addDronePhoto(droneId: $d, file: $f) "
       "{ id thumbnailUrl size width height } }")
LIST_WITH = ("query($n: Int) { drones(first: $n, orderBy: [{field: SERIAL_NUMBER}]) { nodes { id serialNumber name "
             "photos { thumbnailUrl } } } }")
LIST_WITHOUT = "query($n: Int) { drones(first: $n, orderBy: [{field: SERIAL_NUMBER}]) { nodes { id serialNumber name } } }"


FIXTURE = os.path.join(run.ROOT, "target/release/examples/photo_fixture")


def image(path, width, height, quality):
    subprocess.run([FIXTURE, str(width), str(height), str(quality), path], check=True, capture_output=True)
    return open(path, "rb").read()


def multipart(url, token, drone_id, data):
    boundary = uuid.uuid4().hex
    ops = json.dumps({"query": ADD, "variables": {"d": drone_id, "f": None}})
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{ops}\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{{"0":["variables.f"]}}\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="0"; filename="photo.jpg"\r\n'
        f'Content-Type: image/jpeg\r\n\r\n'.encode() + data + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    request = urllib.request.Request(url, b"".join(parts), {
        "content-type": f"multipart/form-data; boundary={boundary}", "authorization": f"Bearer {token}",
        "apollo-require-preflight": "true"})
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = json.loads(response.read())
    if answer.get("errors"):
        raise SystemExit(f"upload failed: {answer['errors']}")
    return answer["data"]["addDronePhoto"]


def oha_get(url, concurrency=16):
    argv = ["taskset", "-c", run.LOAD_CPU, "oha", "--no-tui", "--output-format", "json", "-z", DURATION,
            "-c", str(concurrency), url]
    out = json.loads(subprocess.run(argv, check=True, capture_output=True, text=True).stdout)
    codes = out.get("statusCodeDistribution", {})
    if set(codes) != {"200"}:
        raise SystemExit(f"{url}: unexpected status codes {codes}")
    return {"rps": out["summary"]["requestsPerSec"], "p99": out["latencyPercentiles"]["p99"] * 1000}


def main():
    work = tempfile.mkdtemp(prefix="hangar-photo-bench-")
    os.chmod(work, 0o755)
    cluster = run.Cluster(work)
    db = "bench_photos"
    lines = []
    try:
        run.psql(f"DROP DATABASE IF EXISTS {db}")
        run.psql(f"CREATE DATABASE {db}")
        url = "http://127.0.0.1:18195/graphql"
        env = {"HANGAR_ADMIN_USERNAME": run.ADMIN, "HANGAR_ADMIN_PASSWORD": run.PASSWORD, "RUST_LOG": "warn",
               "JWT_SECRET": "bench-secret-bench-secret-bench-secret-42", "HANGAR_ADDR": "127.0.0.1:18195",
               "DATABASE_URL": f"postgres://postgres@127.0.0.1:{run.PG_PORT}/{db}", "HANGAR_MAX_QUERY_COMPLEXITY": "20000"}
        s = run.Subject("Hangar (PostgreSQL)", [run.HANGAR, "serve"], env, url, work)
        try:
            run.wait_ready(url.replace("/graphql", "/readyz"), s.proc, "Hangar")
            token = run.gql(url, run.LOGIN, {"u": run.ADMIN, "p": run.PASSWORD})["login"]["accessToken"]
            drones = [{"serialNumber": f"PB{n:05d}", "name": f"Drone {n}", "brand": "DJI", "cameraModels": []} for n in range(100)]
            ids = [d["id"] for d in run.gql(url, "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i) "
                                                 "{ drones { id } } }", {"i": drones}, token)["registerDrones"]["drones"]]

            # (a) 5 MB uploads: time, and the server's resident memory before and at its peak.
            big = b""
            for quality in (95, 92, 88, 80):
                big = image(os.path.join(work, "big.jpg"), 4000, 3000, quality)
                if len(big) <= 5_500_000:
                    break
            idle = run.rss_kb(s.proc.pid, "VmRSS") / 1024
            timings, photo, first = [], None, 0.0
            for i in range(UPLOADS):
                began = time.perf_counter()
                photo = multipart(url, token, ids[i], big)
                timings.append(time.perf_counter() - began)
                if i == 0:
                    first = run.rss_kb(s.proc.pid, "VmHWM") / 1024
                run.log(f"  upload {i + 1}: {timings[-1]:.2f} s; server RSS {run.rss_kb(s.proc.pid, 'VmRSS') / 1024:.0f} MB, "
                        f"peak {run.rss_kb(s.proc.pid, 'VmHWM') / 1024:.0f} MB")
            peak = run.rss_kb(s.proc.pid, "VmHWM") / 1024
            lines.append(f"| upload of a {len(big) / 1e6:.1f} MB JPEG (4000 x 3000) | median {statistics.median(timings):.2f} s, "
                         f"slowest {max(timings):.2f} s ({UPLOADS} uploads) |")
            size_mb = len(big) / 2**20
            lines.append(f"| server memory | {idle:.0f} MB idle; peak {first:.0f} MB after one upload (+{first - idle:.0f} MB, "
                         f"{(first - idle) / size_mb:.1f}x the file), {peak:.0f} MB after {UPLOADS} (+{peak - idle:.0f} MB) |")

            # (b) thumbnail fetches from a signed URL.
            thumbs = oha_get(photo["thumbnailUrl"])
            lines.append(f"| thumbnail fetch (16 connections, {DURATION}) | {thumbs['rps']:,.0f} req/s, p99 {thumbs['p99']:.2f} ms |")

            # (c) the list query with and without photo URLs: 50 drones, each with a photo.
            small = image(os.path.join(work, "small.jpg"), 640, 480, 85)
            for drone_id in ids[UPLOADS:50]:
                multipart(url, token, drone_id, small)
            for label, query in [("without photos", LIST_WITHOUT), ("with photos { thumbnailUrl }", LIST_WITH)]:
                result = run.oha(url, {"query": query, "variables": {"n": 50}}, token, duration=DURATION)
                lines.append(f"| list of 50 drones {label} | {result['rps']:,.0f} req/s, p99 {result['p99']:.2f} ms |")
        finally:
            s.stop()
    finally:
        cluster.stop()
    print("\n| what | figure |\n| --- | --- |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
