// Fan-out of droneEvents to many graphql-ws subscribers: opens N sockets (spread over the
// given instances), then runs ROUNDS rounds of one updateDrone each and records, per round,
// when every subscriber had the event. Prints one JSON line; bench/realtime.py drives it.
//
//   node bench/realtime/fanout.mjs '{"http":"…/graphql","ws":["ws://…/graphql/ws"],"token":"…",
//        "subscribers":1000,"rounds":50,"droneId":"1","flowSeconds":0}'
//
// Uses the `ws` package of clients/apollo (npm ci there first).
import { performance } from 'node:perf_hooks';
import WebSocket from '../../clients/apollo/node_modules/ws/wrapper.mjs';

const cfg = JSON.parse(process.argv[2]);
const SUBSCRIBE = 'subscription { droneEvents { kind droneId } }';

function open(url, index, onEvent) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${cfg.token}` } })),
    );
    socket.on('message', (raw) => {
      const message = JSON.parse(raw);
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIBE } }));
        // The server has the subscription once it answers a ping sent after it (in order).
        socket.send(JSON.stringify({ type: 'ping' }));
      } else if (message.type === 'pong') {
        resolve(socket);
      } else if (message.type === 'next') {
        onEvent(index, performance.now());
      } else if (message.type === 'error') {
        reject(new Error(JSON.stringify(message.payload)));
      }
    });
    socket.on('error', reject);
    socket.on('close', (code) => reject(new Error(`socket ${index} closed: ${code}`)));
  });
}

let round = null;
const onEvent = (index, at) => {
  if (!round) return;
  if (!round.seen.has(index)) {
    round.seen.add(index);
    round.latencies.push(at - round.sent);
    if (round.seen.size === cfg.subscribers) round.done(at);
  }
};

const connectStart = performance.now();
const sockets = [];
for (let i = 0; i < cfg.subscribers; i += 50) {
  // 50 at a time: a connect storm is its own benchmark.
  sockets.push(
    ...(await Promise.all(
      Array.from({ length: Math.min(50, cfg.subscribers - i) }, (_, k) =>
        open(cfg.ws[(i + k) % cfg.ws.length], i + k, onEvent),
      ),
    )),
  );
}
const connectSeconds = (performance.now() - connectStart) / 1000;
// Tell the driver the sockets are open (it samples the server's memory), then wait for "go".
process.stdout.write(JSON.stringify({ connected: sockets.length, connectSeconds }) + '\n');
await new Promise((resolve) => process.stdin.once('data', resolve));

async function mutate(n) {
  const response = await fetch(cfg.http, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${cfg.token}` },
    body: JSON.stringify({
      query: 'mutation($id: ID!, $n: String!) { updateDrone(id: $id, input: { name: $n }) { id } }',
      variables: { id: cfg.droneId, n: `Fan-out ${n}` },
    }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return performance.now();
}

const all = [];
const everyone = [];
const sinceResponse = [];
for (let n = 0; n < cfg.rounds; n += 1) {
  const finished = new Promise((resolve) => {
    round = { sent: performance.now(), seen: new Set(), latencies: [], done: resolve };
  });
  const answered = await mutate(n);
  const current = round;
  let timer;
  const last = await Promise.race([
    finished,
    new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`round ${n}: ${current.seen.size} of ${cfg.subscribers} got the event`)),
        10_000,
      );
    }),
  ]);
  clearTimeout(timer);
  everyone.push(last - round.sent);
  sinceResponse.push(Math.max(0, last - answered));
  all.push(...round.latencies);
  round = null;
  await new Promise((resolve) => setTimeout(resolve, 50));
}

// Events flowing at a steady rate while the driver measures the list query beside them.
let flowed = 0;
if (cfg.flowSeconds > 0) {
  process.stdout.write(JSON.stringify({ flowing: true }) + '\n');
  const until = performance.now() + cfg.flowSeconds * 1000;
  while (performance.now() < until) {
    await mutate(1000 + flowed);
    flowed += 1;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
process.stdout.write(
  JSON.stringify({
    rounds: cfg.rounds,
    deliveryP50: pct(all, 50),
    deliveryP99: pct(all, 99),
    everyoneP50: pct(everyone, 50),
    everyoneP99: pct(everyone, 99),
    sinceResponseP50: pct(sinceResponse, 50),
    sinceResponseP99: pct(sinceResponse, 99),
    flowed,
  }) + '\n',
);
for (const socket of sockets) socket.terminate();
process.exit(0);
