"""Seaography 2.0 as a benchmark subject, for bench/run.py to import. Standard library only.

    import importlib.util  # or put bench/peers/seaography on sys.path
    seaography = ...load subject.py...
    subprocess.run(seaography.BUILD, check=True)
    proc = Popen([seaography.BINARY], env={**os.environ, **seaography.env(pg_url, port)})
    bodies = seaography.bodies(url, size, serial)      # {"a": ..., "b": ..., "c": ...}
    seaography.same_answer(hangar_answer, seaography_answer)   # for a, b and c

README.md beside this file says what maps one-to-one to Hangar's queries and what does not.
"""
import json
import os
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = ["cargo", "build", "--release", "--manifest-path", os.path.join(HERE, "Cargo.toml")]
BINARY = os.path.join(HERE, "target", "release", "hangar-bench-seaography")

# (a) and (b). Seaography's generated arguments: `filters`, `orderBy` (an input object, one
# field per column), `pagination` (one of cursor / page / offset). Only page and offset
# pagination report a total (`paginationInfo.total`), and cursor pagination always orders by
# the primary key (it drops `orderBy`), so the by-name page is reached by offset.
QUERY_LIST = """query List($brand: String!, $limit: Int!, $offset: Int!) {
  drones(filters: {brand: {eq: $brand}}, orderBy: {name: ASC}, pagination: {offset: {limit: $limit, offset: $offset}}) {
    paginationInfo { total } edges { node { id serialNumber name brand cameras { nodes { model megapixels brand } } } } } }"""

# (c). Seaography has no look-up by a unique non-key column, only the filtered list (no
# pagination argument: no count query); `serialKey` is the unique, case-folded column that
# Hangar's `drone(serialNumber:)` reads.
QUERY_POINT = """query Point($serial: String!) {
  drones(filters: {serialKey: {eq: $serial}}) {
    nodes { id serialNumber name brand cameras { nodes { model megapixels brand } } } } }"""

PAGE = 50


def env(pg_url, port):
    """The process environment (on top of the caller's)."""
    return {"DATABASE_URL": pg_url, "PORT": str(port)}


def _gql(url, query, variables):
    request = urllib.request.Request(url, json.dumps({"query": query, "variables": variables}).encode(),
                                     {"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        answer = json.loads(response.read())
    if answer.get("errors"):
        raise SystemExit(f"{url}: GraphQL errors: {answer['errors']}")
    return answer["data"]


def deep_offset(url, size):
    """Where (b)'s page starts: the row after row int(size // 5 * 0.9) - 1 of the DJI-by-name
    order, the row whose cursor Hangar and PostGraphile page after. Seaography has no cursor in
    that order (its cursors are primary-key keysets), so the page is asked for by offset; the
    server is asked that the row exists."""
    offset = int(size // 5 * 0.9)
    data = _gql(url, QUERY_LIST, {"brand": "DJI", "limit": 1, "offset": offset - 1})
    if not data["drones"]["edges"] or data["drones"]["paginationInfo"]["total"] <= offset:
        raise SystemExit(f"{url}: fewer than {offset + 1} DJI drones; is this the {size:,}-drone data?")
    return offset


def bodies(url, size, serial):
    """The JSON bodies of workloads (a), (b), (c) for the server at `url` (running)."""
    return {"a": {"query": QUERY_LIST, "variables": {"brand": "DJI", "limit": PAGE, "offset": 0}},
            "b": {"query": QUERY_LIST, "variables": {"brand": "DJI", "limit": PAGE, "offset": deep_offset(url, size)}},
            "c": {"query": QUERY_POINT, "variables": {"serial": serial}}}


def _parsed(answer):
    if isinstance(answer, (bytes, bytearray, str)):
        answer = json.loads(answer)
    assert not answer.get("errors"), f"GraphQL errors: {answer['errors']}"
    return answer["data"]


def _drone(node):
    cameras = node["cameras"]["nodes"] if isinstance(node["cameras"], dict) else node["cameras"]
    return (node["serialNumber"], node["name"], node["brand"],
            sorted((c["model"], float(c["megapixels"]), c["brand"]) for c in cameras))


def same_answer(hangar_list_json, seaography_list_json):
    """Asserts that Seaography answered what Hangar did: the same drones in the same order
    (serialNumber, name, brand, and the set of their cameras' model, megapixels, brand), and
    for a list the same totalCount. Takes the response bodies (bytes, str or parsed), of (a)
    or (b) (Hangar's `drones` connection) or of (c) (Hangar's `drone`). Ids are not compared:
    Hangar's are `ID` strings, Seaography's the column's integers."""
    ours, theirs = _parsed(hangar_list_json), _parsed(seaography_list_json)
    if "drone" in ours:                                    # (c), the point look-up
        ours_nodes = [ours["drone"]] if ours["drone"] else []
        their_nodes = theirs["drones"]["nodes"]
    else:
        ours_nodes = [e["node"] for e in ours["drones"]["edges"]]
        their_nodes = [e["node"] for e in theirs["drones"]["edges"]]
        assert ours["drones"]["totalCount"] == theirs["drones"]["paginationInfo"]["total"], \
            f"totalCount {ours['drones']['totalCount']} != {theirs['drones']['paginationInfo']['total']}"
    ours_drones, their_drones = [_drone(n) for n in ours_nodes], [_drone(n) for n in their_nodes]
    assert len(ours_drones) == len(their_drones), f"{len(ours_drones)} drones != {len(their_drones)}"
    for i, (o, t) in enumerate(zip(ours_drones, their_drones)):
        assert o == t, f"drone {i} differs:\n  Hangar     {o}\n  Seaography {t}"
