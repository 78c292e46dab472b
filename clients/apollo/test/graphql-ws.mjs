// Hangar through the graphql-ws library's own client, on its defaults: a query over the
// socket, a subscription event, a request error as the protocol's `error`, the 4403 close of
// a refused token, and the 4401 close of a subscribe sent before the connection is acknowledged
// (with a raw socket, since the library never does that), and an API token's socket closing
// when the token is revoked.
//
//   HANGAR_URL=http://127.0.0.1:8080 HANGAR_USERNAME=admin HANGAR_PASSWORD=… node test/graphql-ws.mjs
import assert from 'node:assert/strict';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const base = process.env.HANGAR_URL ?? 'http://127.0.0.1:8080';
const wsUrl = `${base.replace(/^http/, 'ws')}/graphql/ws`;
let passed = 0;
let failed = 0;

async function check(name, fn) {
  try {
    await fn();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (err) {
    failed += 1;
    console.log(`not ok - ${name}\n  ${err.stack ?? err}`);
  }
}

async function post(query, variables, token) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

const login = await post(
  'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }',
  { u: process.env.HANGAR_USERNAME ?? 'admin', p: process.env.HANGAR_PASSWORD },
);
const token = login.data.login.accessToken;

function client(params, on = {}) {
  return createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: params, retryAttempts: 0, on });
}

/** The one result of an operation (or the error it ends with). */
function once(c, payload) {
  return new Promise((resolve, reject) => {
    let result;
    c.subscribe(payload, {
      next: (value) => (result = value),
      error: reject,
      complete: () => resolve(result),
    });
  });
}

await check('a query over the socket', async () => {
  const c = client(() => ({ Authorization: `Bearer ${token}` }));
  const result = await once(c, { query: '{ me { username } }' });
  assert.deepEqual(result, { data: { me: { username: process.env.HANGAR_USERNAME ?? 'admin' } } });
  await c.dispose();
});

await check('a subscription sees the change a mutation commits', async () => {
  const c = client(() => ({ Authorization: `Bearer ${token}` }));
  const serial = `WS-${Date.now()}`;
  const event = new Promise((resolve, reject) => {
    const stop = c.subscribe(
      { query: 'subscription { droneEvents { kind drone { serialNumber } } }' },
      {
        next: (value) => {
          if (value.data?.droneEvents?.drone?.serialNumber === serial) {
            stop();
            resolve(value.data.droneEvents);
          }
        },
        error: reject,
        complete: () => {},
      },
    );
  });
  // Subscribed once the socket is acknowledged and the subscribe went out.
  await new Promise((r) => setTimeout(r, 300));
  const registered = await post(
    'mutation($s: String!) { registerDrone(input: {serialNumber: $s, name: "Socket", brand: "Acme", cameraModels: []}) { id } }',
    { s: serial },
    token,
  );
  assert.equal(registered.errors, undefined);
  assert.deepEqual(await event, { kind: 'CREATED', drone: { serialNumber: serial } });
  await c.dispose();
});

await check('a request error arrives as the protocol error', async () => {
  const c = client(() => ({ Authorization: `Bearer ${token}` }));
  await assert.rejects(once(c, { query: 'subscription { nosuchfield }' }), (errors) => {
    assert.ok(Array.isArray(errors), `an error message's payload, got ${errors}`);
    assert.equal(errors[0].extensions.code, 'BAD_USER_INPUT');
    return true;
  });
  await c.dispose();
});

await check('a refused token closes with 4403', async () => {
  let closed;
  const c = client(() => ({ Authorization: 'Bearer nonsense' }), { closed: (event) => (closed = event) });
  await assert.rejects(once(c, { query: '{ me { username } }' }));
  assert.equal(closed.code, 4403);
  assert.equal(closed.reason, 'Forbidden: access token is malformed');
  await c.dispose();
});

await check('an API token signs the socket in, and its revocation closes it with 4403', async () => {
  const created = await post(
    'mutation { createApiToken(name: "graphql-ws test", scope: READ) { token { id } secret } }',
    {},
    token,
  );
  const { secret, token: { id } } = created.data.createApiToken;
  let closed;
  const c = client({ Authorization: `Bearer ${secret}` }, { closed: (event) => (closed = event) });
  const result = await once(c, { query: '{ me { username } }' });
  assert.deepEqual(result, { data: { me: { username: process.env.HANGAR_USERNAME ?? 'admin' } } });
  // A subscription keeps the (lazy) socket open until the server closes it.
  const ended = new Promise((resolve) =>
    c.subscribe({ query: 'subscription { droneEvents { kind } }' }, { next: () => {}, error: resolve, complete: resolve }),
  );
  await new Promise((r) => setTimeout(r, 300));
  const revoked = await post('mutation($id: ID!) { revokeApiToken(id: $id) }', { id }, token);
  assert.deepEqual(revoked, { data: { revokeApiToken: id } });
  await ended;
  assert.equal(closed?.code, 4403);
  assert.equal(closed.reason, 'Forbidden: this API token was revoked');
  await c.dispose();
});

await check('subscribe before connection_ack closes with 4401', async () => {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve([code, `${reason}`])));
  await new Promise((resolve) => socket.on('open', resolve));
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ me { id } }' } }));
  assert.deepEqual(await closed, [4401, 'Unauthorized']);
});

console.log(`graphql-ws: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
