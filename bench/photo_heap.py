#!/usr/bin/env python3
"""How many times one photo upload holds the photo: Hangar's heap (live bytes, not RSS, so the
allocator's retained pages do not count) before and during the upload of a 4000 x 3000 JPEG,
measured by heaptrack on a build with the system allocator (heaptrack hooks malloc; mimalloc
bypasses it).

    CARGO_TARGET_DIR=target/heap cargo build --release -p hangar --features system-allocator
    cargo build --release -p hangar --example photo_fixture
    apt-get install heaptrack      # Debian's package
    python3 bench/photo_heap.py    # HANGAR_BIN=… for another binary

SQLite and the `database` store, so nothing else runs; one login (argon2id, 19 MiB of its
own) happens a second before the upload and is left out of the window.
"""
import os, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402
import photos  # noqa: E402

BIN = os.environ.get("HANGAR_BIN", os.path.join(run.ROOT, "target/heap/release/hangar"))
PORT = 18197


def snapshots(massif):
    """(seconds since start, heap bytes) of each snapshot in a massif file."""
    out, at = [], None
    for line in open(massif):
        if line.startswith("time="):
            at = float(line.split("=")[1])
        elif line.startswith("mem_heap_B=") and at is not None:
            out.append((at, int(line.split("=")[1])))
    return out


def main():
    for tool, hint in [(BIN, "CARGO_TARGET_DIR=target/heap cargo build --release -p hangar --features system-allocator"),
                       (photos.FIXTURE, "cargo build --release -p hangar --example photo_fixture")]:
        if not os.path.exists(tool):
            raise SystemExit(f"missing {tool}: {hint}")
    work = tempfile.mkdtemp(prefix="hangar-photo-heap-")
    url = f"http://127.0.0.1:{PORT}/graphql"
    env = {**os.environ, "DATABASE_URL": f"sqlite://{work}/hangar.db?mode=rwc", "HANGAR_ADDR": f"127.0.0.1:{PORT}",
           "HANGAR_ADMIN_USERNAME": run.ADMIN, "HANGAR_ADMIN_PASSWORD": run.PASSWORD, "RUST_LOG": "warn",
           "JWT_SECRET": "bench-secret-bench-secret-bench-secret-42"}
    subprocess.run([BIN, "migrate"], env=env, check=True, capture_output=True)
    big = photos.image(os.path.join(work, "big.jpg"), 4000, 3000, 92)
    trace = os.path.join(work, "trace")
    began = time.monotonic()
    server = subprocess.Popen(["heaptrack", "-o", trace, BIN, "serve"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        run.wait_ready(url.replace("/graphql", "/readyz"), server, "Hangar under heaptrack")
        token = run.gql(url, run.LOGIN, {"u": run.ADMIN, "p": run.PASSWORD})["login"]["accessToken"]
        drone = run.gql(url, 'mutation { registerDrone(input: { serialNumber: "HEAP-1", name: "Heap", '
                             'brand: "DJI", cameraModels: [] }) { id } }', {}, token)["registerDrone"]["id"]
        time.sleep(1.0)
        start = time.monotonic() - began
        run.log(f"uploading {len(big) / 2**20:.1f} MiB")
        photos.multipart(url, token, drone, big)
        end = time.monotonic() - began
        time.sleep(0.5)
    finally:
        # heaptrack's wrapper forwards the signal; Hangar drains and exits.
        for pid in subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split():
            os.kill(int(pid), signal.SIGINT)
        server.wait(timeout=60)
    traces = [f for f in os.listdir(work) if f.startswith("trace")]
    massif = os.path.join(work, "massif.out")
    subprocess.run(["heaptrack_print", "-f", os.path.join(work, traces[0]), "--print-massif", massif,
                    "--print-peaks", "0", "--print-allocators", "0", "--print-leaks", "0", "--print-temporary", "0",
                    "--print-histogram", "0"], check=True, capture_output=True, cwd=work)
    points = snapshots(massif)
    # heaptrack's clock starts when the server does, a little after `began`: a margin each side.
    before = [b for t, b in points if start - 0.8 <= t <= start - 0.2]
    during = [b for t, b in points if start - 0.2 <= t <= end + 0.3]
    if not before or not during:
        raise SystemExit(f"no heap snapshots around the upload ({len(points)} in all): rerun")
    base, peak, size = min(before), max(during), len(big)
    mib = 2**20
    print(f"\n| photo | heap before | peak during the upload | the upload's own | times the file |\n| --- | --- | --- | --- | --- |")
    print(f"| {size / mib:.1f} MiB JPEG, 4000 x 3000 | {base / mib:.1f} MiB | {peak / mib:.1f} MiB | "
          f"{(peak - base) / mib:.1f} MiB | {(peak - base) / size:.2f} |")


if __name__ == "__main__":
    main()
