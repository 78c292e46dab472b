#!/usr/bin/env bash
# Runs the real clients against a live Hangar: the Apollo Client test (clients/apollo/test/
# apollo.mjs), the graphql-http package's GraphQL-over-HTTP audit (test/graphql-http-audit.mjs),
# the graphql-ws library's own client (test/graphql-ws.mjs), photo uploads through
# apollo-upload-client (test/uploads.mjs)
# GraphiQL in headless Chromium (test/graphiql.mjs), and the Angular console (clients/angular:
# its unit tests, then its Playwright e2e/ in Chromium), on a fresh SQLite database
# loaded with `hangar seed`. Needs node >= 20 and /usr/bin/chromium (Debian package chromium).
#
#   clients/run.sh            # uses target/debug/hangar (built by `cargo build`)
#   HANGAR_BIN=… clients/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
bin="${HANGAR_BIN:-$root/target/debug/hangar}"
[ -x "$bin" ] || { echo "no Hangar binary at $bin: run cargo build first" >&2; exit 2; }

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export DATABASE_URL="sqlite://$work/hangar.db?mode=rwc"
export HANGAR_ADDR="127.0.0.1:$port"
export HANGAR_ADMIN_USERNAME=admin
export HANGAR_ADMIN_PASSWORD="clients-$(date +%s)-password"
export JWT_SECRET="clients-test-secret-$(date +%s%N)-at-least-32-bytes"
export RUST_LOG=warn
export HANGAR_URL="http://127.0.0.1:$port" HANGAR_USERNAME=admin HANGAR_PASSWORD="$HANGAR_ADMIN_PASSWORD"

# The console first: the server serves its build at /console/ (HANGAR_CONSOLE_DIR), and the
# Apollo tests run its link (hangar-link.ts), compiled for Node.
cd "$here/angular"
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build:console > "$work/console-build.log" 2>&1 || { cat "$work/console-build.log" >&2; exit 1; }
npm test --silent
npx esbuild src/app/graphql/hangar-link.ts --format=esm --platform=node --log-level=warning \
  --outfile="$here/apollo/src/hangar-link.mjs"
export HANGAR_CONSOLE_DIR="$here/angular/dist/hangar-console/browser"
cd "$root"

"$bin" seed > "$work/seed.log"
"$bin" serve > "$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do
  curl -fs "$HANGAR_URL/readyz" > /dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "$HANGAR_URL/readyz" > /dev/null || { cat "$work/server.log" >&2; exit 1; }

cd "$here/apollo"
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent codegen > /dev/null   # TypeScript types from schema.graphql still generate
npm run --silent lint:schema           # graphql-schema-linter: Relay rules, and a description everywhere
node test/apollo.mjs
node test/graphql-http-audit.mjs
node test/graphql-ws.mjs
node test/uploads.mjs
node test/graphiql.mjs "${SCREENSHOT:-$root/docs/graphiql.png}" "${DOCS_SCREENSHOT:-$root/docs/graphiql-docs.png}"
(cd "$here/angular" && CONSOLE_SCREENSHOTS="${CONSOLE_SCREENSHOTS:-$root/docs}" npm run --silent e2e)
