// Photo uploads as the Angular app sends them: Apollo Client with apollo-upload-client's
// UploadHttpLink (a graphql-multipart-request-spec request), the CSRF header Hangar asks for,
// and the signed URLs it answers with, used as <img src> would (no Authorization header).
//
//   HANGAR_URL=http://127.0.0.1:8080 HANGAR_USERNAME=admin HANGAR_PASSWORD=… node test/uploads.mjs
import assert from 'node:assert/strict';
import { ApolloClient, InMemoryCache, gql } from '@apollo/client';
import UploadHttpLink from 'apollo-upload-client/UploadHttpLink.mjs';

const base = process.env.HANGAR_URL ?? 'http://127.0.0.1:8080';
const graphqlUrl = `${base}/graphql`;

async function graphql(query, variables, token) {
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

const client = (token, headers) =>
  new ApolloClient({
    link: new UploadHttpLink({ uri: graphqlUrl, headers: { authorization: `Bearer ${token}`, ...headers } }),
    cache: new InMemoryCache(),
  });

const ADD = gql`
  mutation Add($droneId: ID!, $file: Upload!, $caption: String) {
    addDronePhoto(droneId: $droneId, file: $file, caption: $caption) {
      id url thumbnailUrl contentType size width height caption
    }
  }
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

const { login } = await graphql(
  'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }',
  { u: process.env.HANGAR_USERNAME ?? 'admin', p: process.env.HANGAR_PASSWORD },
);
const token = login.accessToken;
let jpeg;
let droneId;

await step('a seeded photo is served from its signed URL, without a token', async () => {
  const data = await graphql('{ drones(first: 1) { nodes { photos { url width height } } } }', {}, token);
  const photo = data.drones.nodes[0].photos[0];
  const response = await fetch(photo.url);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'image/jpeg');
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  jpeg = { bytes: new Uint8Array(await response.arrayBuffer()), width: photo.width, height: photo.height };
  const again = await fetch(photo.url, { headers: { 'if-none-match': response.headers.get('etag') } });
  assert.equal(again.status, 304);
});

await step('UploadHttpLink uploads a File with the preflight header', async () => {
  const serial = `UPL-${Date.now()}`;
  const data = await graphql(
    'mutation($s: String!) { registerDrone(input: { serialNumber: $s, name: "Air 3", brand: "DJI", cameraModels: [] }) { id } }',
    { s: serial },
    token,
  );
  droneId = data.registerDrone.id;
  const file = new File([jpeg.bytes], 'arrival.jpg', { type: 'image/jpeg' });
  const result = await client(token, { 'Apollo-Require-Preflight': 'true' }).mutate({
    mutation: ADD,
    variables: { droneId, file, caption: 'on arrival' },
  });
  const photo = result.data.addDronePhoto;
  assert.equal(photo.contentType, 'image/jpeg');
  assert.equal(photo.caption, 'on arrival');
  assert.deepEqual([photo.width, photo.height], [jpeg.width, jpeg.height]);
  const thumbnail = await fetch(photo.thumbnailUrl);
  assert.equal(thumbnail.status, 200);
  assert.equal(thumbnail.headers.get('content-type'), 'image/jpeg');
});

await step('without the preflight header the upload never runs (400)', async () => {
  const file = new File([jpeg.bytes], 'arrival.jpg', { type: 'image/jpeg' });
  await assert.rejects(
    client(token, {}).mutate({ mutation: ADD, variables: { droneId, file } }),
    (error) => {
      assert.match(String(error.statusCode ?? error.message), /400/);
      return true;
    },
  );
  const data = await graphql('query($id: ID!) { drone(id: $id) { photos { id } } }', { id: droneId }, token);
  assert.equal(data.drone.photos.length, 1);
});

console.log(`\nuploads: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
