// The graphql-http package's server audit (the GraphQL-over-HTTP spec's own conformance
// suite) against a live Hangar. Fails on any MUST or SHOULD it reports, except those listed in
// DELIBERATE with the reason (the README's "GraphQL over HTTP" section repeats them).
//
//   HANGAR_URL=http://127.0.0.1:8080 node test/graphql-http-audit.mjs
import { auditServer } from 'graphql-http';

/** Audit id -> why Hangar answers otherwise on purpose. */
const DELIBERATE = {};

const url = `${process.env.HANGAR_URL ?? 'http://127.0.0.1:8080'}/graphql`;
const results = await auditServer({ url });
const level = (name) => name.split(' ')[0];
const counts = {};
let failed = 0;
for (const result of results) {
  const key = `${level(result.name)} ${result.status}`;
  counts[key] = (counts[key] ?? 0) + 1;
  if (result.status === 'ok') continue;
  const deliberate = DELIBERATE[result.id];
  const blocking = ['MUST', 'SHOULD'].includes(level(result.name)) && !deliberate;
  if (blocking) failed += 1;
  const response = result.response ? ` (got ${result.response.status})` : '';
  console.log(`${blocking ? 'not ok' : 'note'} - ${result.id} ${result.name}: ${result.reason}${response}${deliberate ? ` [deliberate: ${deliberate}]` : ''}`);
}
console.log(`audit counts: ${JSON.stringify(counts)}`);
console.log(`graphql-http audit: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
