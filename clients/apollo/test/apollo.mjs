// Hangar through Apollo Client, as the Angular app uses it: login, APQ over GET, relay-style
// pagination with fetchMore, token refresh, a mutation, and the subscription event it causes.
//
//   HANGAR_URL=http://127.0.0.1:8080 HANGAR_USERNAME=admin HANGAR_PASSWORD=… node test/apollo.mjs
import assert from 'node:assert/strict';
import { ApolloClient, HttpLink, gql } from '@apollo/client';
import WebSocket from 'ws';
import { hangarCache, hangarLink } from '../src/hangar-link.mjs';

const base = process.env.HANGAR_URL ?? 'http://127.0.0.1:8080';
const graphqlUrl = `${base}/graphql`;
const wsUrl = `${graphqlUrl.replace(/^http/, 'ws')}/ws`;

// Every HTTP request the client makes, to check what went over the wire.
const requests = [];
const recordingFetch = (url, init = {}) => {
  const body = init.body ? JSON.parse(init.body) : null;
  requests.push({ method: init.method ?? 'GET', url: String(url), body });
  return fetch(url, init);
};

const session = { accessToken: null, refreshToken: null };
const client = new ApolloClient({
  link: hangarLink({
    httpLink: new HttpLink({ uri: graphqlUrl, fetch: recordingFetch }),
    graphqlUrl,
    wsUrl,
    session,
    webSocketImpl: WebSocket,
  }),
  cache: hangarCache(),
});

const LOGIN = gql`
  mutation Login($u: String!, $p: String!) {
    login(username: $u, password: $p) { accessToken refreshToken user { id username role } }
  }
`;
const REGISTER_CAMERAS = gql`
  mutation Cameras($inputs: [RegisterCameraInput!]!) {
    registerCameras(inputs: $inputs, onConflict: SKIP) { created skipped }
  }
`;
const REGISTER_DRONES = gql`
  mutation Drones($inputs: [RegisterDroneInput!]!) {
    registerDrones(inputs: $inputs, onConflict: SKIP) { created skipped }
  }
`;
const DRONES = gql`
  query Drones($filter: DroneFilter, $first: Int, $after: String) {
    drones(filter: $filter, orderBy: [{ field: SERIAL_NUMBER }], first: $first, after: $after) {
      totalCount
      edges { cursor node { id serialNumber name brand cameras { id model megapixels } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;
const REGISTER_DRONE = gql`
  mutation Register($input: RegisterDroneInput!) {
    registerDrone(input: $input) { id serialNumber }
  }
`;
const EVENTS = gql`
  subscription Events { droneEvents { kind droneId drone { id serialNumber name } } }
`;

let passed = 0;
let failed = 0;
async function step(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`not ok - ${name}\n  ${error.stack ?? error}`);
  }
}

const run = `${Date.now()}`.slice(-6);
const serial = (n) => `APOLLO-${run}-${String(n).padStart(2, '0')}`;

await step('login stores the session', async () => {
  const { data } = await client.mutate({
    mutation: LOGIN,
    variables: { u: process.env.HANGAR_USERNAME ?? 'admin', p: process.env.HANGAR_PASSWORD },
  });
  session.accessToken = data.login.accessToken;
  session.refreshToken = data.login.refreshToken;
  assert.equal(data.login.user.role, 'SUPPORT');
});

await step('bulk registration through mutations', async () => {
  const cameras = await client.mutate({
    mutation: REGISTER_CAMERAS,
    variables: { inputs: [{ model: `Apollo Cam ${run}`, brand: 'Sony', megapixels: 24 }] },
  });
  assert.equal(cameras.data.registerCameras.created + cameras.data.registerCameras.skipped, 1);
  const inputs = [1, 2, 3, 4, 5].map((n) => ({
    serialNumber: serial(n),
    name: `Apollo ${n}`,
    brand: `Brand${run}`,
    cameraModels: [`apollo cam ${run}`],
  }));
  const drones = await client.mutate({ mutation: REGISTER_DRONES, variables: { inputs } });
  assert.equal(drones.data.registerDrones.created, 5);
});

const filter = { brand: { eq: `Brand${run}` } };

await step('relayStylePagination merges pages fetched with fetchMore', async () => {
  const watch = client.watchQuery({ query: DRONES, variables: { filter, first: 2 } });
  const first = await client.query({ query: DRONES, variables: { filter, first: 2 } });
  assert.equal(first.data.drones.totalCount, 5);
  assert.equal(first.data.drones.edges.length, 2);
  let pageInfo = first.data.drones.pageInfo;
  while (pageInfo.hasNextPage) {
    const more = await watch.fetchMore({ variables: { after: pageInfo.endCursor } });
    pageInfo = more.data.drones.pageInfo;
  }
  const merged = client.readQuery({ query: DRONES, variables: { filter, first: 2 } });
  assert.deepEqual(
    merged.drones.edges.map((e) => e.node.serialNumber),
    [1, 2, 3, 4, 5].map(serial),
  );
  assert.equal(merged.drones.edges[0].node.cameras[0].model, `Apollo Cam ${run}`);
});

await step('persisted queries: the hash goes over GET, the text only once', async () => {
  requests.length = 0;
  await client.query({ query: DRONES, variables: { filter, first: 1 }, fetchPolicy: 'network-only' });
  await client.query({ query: DRONES, variables: { filter, first: 1 }, fetchPolicy: 'network-only' });
  const last = requests.at(-1);
  assert.equal(last.method, 'GET', JSON.stringify(requests));
  const params = new URL(last.url).searchParams;
  assert.equal(params.get('query'), null, 'the second request carries only the hash');
  assert.equal(JSON.parse(params.get('extensions')).persistedQuery.version, 1);
});

await step('an expired access token is refreshed and the query retried', async () => {
  const spentRefresh = session.refreshToken;
  session.accessToken = 'expired-or-garbage';
  const { data } = await client.query({
    query: DRONES,
    variables: { filter, first: 1 },
    fetchPolicy: 'network-only',
  });
  assert.equal(data.drones.totalCount, 5);
  assert.notEqual(session.refreshToken, spentRefresh, 'the refresh token rotated');
  assert.notEqual(session.accessToken, 'expired-or-garbage');
});

await step('a subscription receives the drone registered after it', async () => {
  const received = new Promise((resolve, reject) => {
    const subscription = client.subscribe({ query: EVENTS }).subscribe({
      next: ({ data, error }) => {
        if (error) return reject(error);
        if (data.droneEvents.drone?.serialNumber === serial(99)) {
          subscription.unsubscribe();
          resolve(data.droneEvents);
        }
      },
      error: reject,
    });
    setTimeout(() => reject(new Error('no event within 10 s')), 10_000);
  });
  // Give the socket time to connect and subscribe before the mutation commits.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const { data } = await client.mutate({
    mutation: REGISTER_DRONE,
    variables: { input: { serialNumber: serial(99), name: 'Live', brand: 'DJI', cameraModels: [] } },
  });
  const event = await received;
  assert.equal(event.kind, 'CREATED');
  assert.equal(event.droneId, data.registerDrone.id);
});

client.stop();
console.log(`\napollo: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
