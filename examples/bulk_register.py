#!/usr/bin/env python3
"""Register drones from a CSV file through Hangar's registerDrones mutation.

Standard library only. The CSV has a header row with the columns
serialNumber,name,brand,cameraModels (camera models separated by ';', may be empty) and,
optionally, site (the name of an existing site) and tags (separated by ';'). An empty site or
tags cell sends nothing, so with --on-conflict UPDATE the drone keeps its own:

    serialNumber,name,brand,cameraModels,site,tags
    1581F6Q00001,Mavic 3 Pro,DJI,Hasselblad L2D-20c,Paris HQ,photo;spare
    SKX1000001,Skydio X10,Skydio,Skydio VT300-L;FLIR Vue TZ20-R,Berlin Lab,thermal

Usage, with an API token (preferred: a WRITE token of a SUPPORT user, from createApiToken or
`hangar token create --username admin --name import --scope write --expires 30d`):
    HANGAR_TOKEN=hgr_... python3 examples/bulk_register.py drones.csv \
        --url http://127.0.0.1:8080/graphql --on-conflict SKIP

or with a person's password, as before (the script logs in; HANGAR_TOKEN unset):
    HANGAR_PASSWORD=... python3 examples/bulk_register.py drones.csv --username admin

Rows go in batches (--batch, default 1000; the server takes up to 10,000 per call), each batch in
one transaction. Rows the server rejects (bad fields, unknown camera models or sites) are reported with
their CSV line and left out; the rest of their batch is sent again. Exit status: 0 when every
row was created, updated or skipped; 1 when some were rejected; 2 on a usage or server error.
"""
import argparse
import csv
import getpass
import json
import os
import sys
import urllib.error
import urllib.request

REGISTER = """
mutation Register($inputs: [RegisterDroneInput!]!, $onConflict: OnConflict) {
  registerDrones(inputs: $inputs, onConflict: $onConflict) {
    created updated skipped
    drones { serialNumber }
  }
}"""
LOGIN = """
mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }"""


class GraphQLError(Exception):
    def __init__(self, error):
        super().__init__(error.get("message", "unknown error"))
        self.code = error.get("extensions", {}).get("code")
        self.items = error.get("extensions", {}).get("items", [])


def call(url, query, variables, token=None):
    body = json.dumps({"query": query, "variables": variables}).encode()
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            payload = json.load(response)
    except urllib.error.HTTPError as err:
        payload = json.load(err)
    if payload.get("errors"):
        raise GraphQLError(payload["errors"][0])
    return payload["data"]


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = {"serialNumber", "name", "brand", "cameraModels"} - set(reader.fieldnames or [])
        if missing:
            sys.exit(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for row in reader:
            models = [m.strip() for m in (row["cameraModels"] or "").split(";") if m.strip()]
            item = {
                "serialNumber": row["serialNumber"] or "",
                "name": row["name"] or "",
                "brand": row["brand"] or "",
                "cameraModels": models,
            }
            site = (row.get("site") or "").strip()
            if site:
                item["site"] = site
            tags = [t.strip() for t in (row.get("tags") or "").split(";") if t.strip()]
            if tags:
                item["tags"] = tags
            yield reader.line_num, item


def register_batch(url, token, batch, on_conflict, totals):
    """Sends (line, item) pairs; drops the rows the server names as invalid and resends."""
    while batch:
        try:
            data = call(url, REGISTER, {"inputs": [item for _, item in batch], "onConflict": on_conflict}, token)
        except GraphQLError as err:
            if err.code in ("BAD_USER_INPUT", "CONFLICT") and err.items:
                bad = {entry["index"]: entry["message"] for entry in err.items}
                for index, message in sorted(bad.items()):
                    line, item = batch[index]
                    print(f"  rejected line {line} ({item['serialNumber'] or '<no serial>'}): {message}")
                totals["rejected"] += len(bad)
                batch = [pair for i, pair in enumerate(batch) if i not in bad]
                continue
            raise
        result = data["registerDrones"]
        for key in ("created", "updated", "skipped"):
            totals[key] += result[key]
        return


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", help="CSV file with serialNumber,name,brand,cameraModels[,site,tags]")
    parser.add_argument("--url", default=os.environ.get("HANGAR_URL", "http://127.0.0.1:8080/graphql"))
    parser.add_argument("--username", default=os.environ.get("HANGAR_USERNAME", "admin"))
    parser.add_argument("--on-conflict", choices=["FAIL", "SKIP", "UPDATE"], default="SKIP",
                        help="what to do with serial numbers already registered (default SKIP)")
    parser.add_argument("--batch", type=int, default=1000, help="rows per call (1-10000)")
    args = parser.parse_args()
    if not 1 <= args.batch <= 10000:
        parser.error("--batch must be between 1 and 10000")

    # An API token needs no login, and is no person's password; an access token from a login
    # lives ACCESS_TOKEN_TTL (15 minutes), enough for a million rows at ~1 s per 10,000.
    token = os.environ.get("HANGAR_TOKEN")
    if not token:
        password = os.environ.get("HANGAR_PASSWORD") or getpass.getpass(f"Password for {args.username}: ")
        try:
            token = call(args.url, LOGIN, {"u": args.username, "p": password})["login"]["accessToken"]
        except (GraphQLError, urllib.error.URLError) as err:
            print(f"cannot log in to {args.url}: {err}", file=sys.stderr)
            return 2

    totals = {"created": 0, "updated": 0, "skipped": 0, "rejected": 0}
    batch, sent = [], 0
    try:
        for line, item in read_rows(args.csv):
            batch.append((line, item))
            if len(batch) == args.batch:
                register_batch(args.url, token, batch, args.on_conflict, totals)
                sent += len(batch)
                print(f"  {sent} rows sent", flush=True)
                batch = []
        if batch:
            register_batch(args.url, token, batch, args.on_conflict, totals)
            sent += len(batch)
            print(f"  {sent} rows sent", flush=True)
    except (GraphQLError, urllib.error.URLError) as err:
        print(f"registration stopped after {sent} rows: {err}", file=sys.stderr)
        return 2

    print("created {created}, updated {updated}, skipped {skipped}, rejected {rejected}".format(**totals))
    return 1 if totals["rejected"] else 0


if __name__ == "__main__":
    sys.exit(main())
