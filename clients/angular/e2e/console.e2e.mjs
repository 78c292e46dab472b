// The console end to end, in Chromium (playwright-core driving Debian's /usr/bin/chromium),
// against a live seeded Hangar that serves the built console at /console/ (clients/run.sh
// starts it with HANGAR_CONSOLE_DIR). Any error in a browser console fails the run.
//
//   HANGAR_URL=http://127.0.0.1:8080 HANGAR_PASSWORD=… node e2e/console.e2e.mjs [screenshot-dir]
//
// TAP-style output; steps of issue #14 not built yet are reported as `# TODO` (not passed).
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const base = process.env.HANGAR_URL ?? 'http://127.0.0.1:8080';
const console_ = `${base}/console/`;
const admin = { username: process.env.HANGAR_USERNAME ?? 'admin', password: process.env.HANGAR_PASSWORD };
const shots = process.argv[2] ?? null;

async function api(query, variables = {}, token) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const adminToken = (
  await api('mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }', {
    u: admin.username,
    p: admin.password,
  })
).login.accessToken;
const member = { username: `e2e-member-${Date.now()}`, password: 'e2e-member-password-42' };
await api(
  'mutation($i: CreateUserInput!) { createUser(input: $i) { id } }',
  { i: { username: member.username, password: member.password, role: 'MEMBER' } },
  adminToken,
);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});

let passed = 0;
let failed = 0;
let todo = 0;
const problems = [];

async function context() {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  return page;
}

async function step(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`not ok - ${name}\n  ${String(error?.stack ?? error).split('\n').join('\n  ')}`);
  }
}

function pending(name) {
  todo += 1;
  console.log(`not ok - ${name} # TODO not built yet`);
}

async function signIn(page, who) {
  await page.goto(console_);
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Drones' }).waitFor();
}

const rowNames = (page) => page.locator('table[aria-label="Drones"] tbody tr td:first-child').allTextContents();
const waitLoaded = (page) => page.waitForSelector('table[aria-label="Drones"][aria-busy="false"]');

/** Polls `read` until `done` holds of what it returns (the list re-renders after its query). */
async function until(read, done, what, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

const page = await context();
try {
  await step('a wrong password is refused in words, then the right one signs in', async () => {
    await page.goto(console_);
    await page.getByLabel('Username').fill(admin.username);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'The username or password is wrong.' }).waitFor();
    // The refused attempt answered 200 with UNAUTHENTICATED: nothing for the console to log.
    problems.length = 0;
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Drones' }).waitFor();
    await page.getByText(`Signed in as ${admin.username}`).waitFor();
  });

  await step('the list shows the inventory with its total', async () => {
    await waitLoaded(page);
    const names = await rowNames(page);
    assert.equal(names.length, 20, 'a page of 20');
    const total = Number((await page.locator('.count').textContent()).trim().split(' ')[0]);
    const expected = (await api('{ drones { totalCount } }', {}, adminToken)).drones.totalCount;
    assert.equal(total, expected);
  });

  await step('filtering by status puts the filter in the URL, and the URL alone shows that view', async () => {
    await page.getByLabel('Status').selectOption('AVAILABLE');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/status=AVAILABLE/);
    const statuses = await until(
      () => page.locator('tbody .status').allTextContents(),
      (found) => found.length > 0 && found.every((s) => s === 'Available'),
      'only available drones',
    );
    const shared = page.url();
    const other = await context();
    await signIn(other, admin);
    await other.goto(shared);
    await waitLoaded(other);
    assert.deepEqual(await other.locator('tbody .status').allTextContents(), statuses);
    assert.equal(await other.getByLabel('Status').inputValue(), 'AVAILABLE');
    await other.context().close();
  });

  await step('every ordering sorts both ways (here: name, then serial number descending)', async () => {
    await page.goto(`${console_}drones`);
    await waitLoaded(page);
    const ascending = await rowNames(page);
    assert.deepEqual(ascending, [...ascending].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })));
    await page.getByRole('button', { name: 'Name', exact: true }).click();
    await page.waitForURL(/dir=DESC/);
    const descending = await until(() => rowNames(page), (names) => names[0] !== ascending[0], 'the descending order');
    assert.deepEqual(descending, [...descending].sort((a, b) => b.localeCompare(a, 'en', { sensitivity: 'base' })));
    assert.match(await page.locator('th[aria-sort="descending"]').textContent(), /^\s*Name ▼/);
    await page.getByLabel('Order by').selectOption('SERIAL_NUMBER');
    await page.getByLabel('Direction').selectOption('DESC');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/sort=SERIAL_NUMBER/);
    const expected = (
      await api('{ drones(first: 20, orderBy: [{ field: SERIAL_NUMBER, direction: DESC }]) { nodes { serialNumber } } }', {}, adminToken)
    ).drones.nodes.map((n) => n.serialNumber);
    await until(() => page.locator('tbody td.mono').allTextContents(), (serials) => serials.join() === expected.join(), 'serial numbers descending');
  });

  await step('pages forward over keyset cursors and back from the cache', async () => {
    await page.goto(`${console_}drones`);
    await waitLoaded(page);
    const first = await rowNames(page);
    const serialsFirst = await page.locator('tbody td.mono').allTextContents();
    await page.getByRole('button', { name: 'Next →' }).click();
    await page.getByText('Page 2 of').waitFor();
    await waitLoaded(page);
    const serialsSecond = await page.locator('tbody td.mono').allTextContents();
    assert.equal(serialsSecond.filter((s) => serialsFirst.includes(s)).length, 0, 'no drone on both pages');
    await page.getByRole('button', { name: '← Previous' }).click();
    await page.getByText('Page 1 of').waitFor();
    assert.deepEqual(await rowNames(page), first);
  });

  await step('a drone registered elsewhere appears in a second browser without a reload', async () => {
    const watcher = await context();
    await signIn(watcher, member);
    await watcher.goto(`${console_}drones?sort=CREATED_AT&dir=DESC`);
    await waitLoaded(watcher);
    await watcher.getByText('● live').waitFor();
    const before = Number((await watcher.locator('.count').textContent()).trim().split(' ')[0]);
    const serial = `E2E-${Date.now()}`;
    // Registered through the API for now: the console's register page is still to come.
    await api(
      'mutation($i: RegisterDroneInput!) { registerDrone(input: $i) { id } }',
      { i: { serialNumber: serial, name: 'E2E Live Drone', brand: 'Skydio', cameraModels: [] } },
      adminToken,
    );
    await watcher.locator('tbody td.mono', { hasText: serial }).waitFor({ timeout: 10_000 });
    await watcher.getByText(`${before + 1} drones`).waitFor();
    await watcher.context().close();
  });

  if (shots) {
    // Status descending: the seeded drones that are retired, lost, in maintenance or out come
    // first (the other client tests' drones are all available).
    await page.goto(`${console_}drones?sort=STATUS&dir=DESC`);
    await waitLoaded(page);
    await page.locator('tbody .status', { hasText: 'Retired' }).first().waitFor();
    await page.screenshot({ path: `${shots}/console-drones.png` });
  }

  pending('the drone page: cameras, site, status and custody, maintenance log, photos');
  pending('register a drone (SUPPORT), field errors next to their fields, bulk CSV import');
  pending('check a drone out and back in; record maintenance; upload a photo');
  pending('sites; the dashboard from droneStats with charts');
  pending('a MEMBER sees no write controls');

  await step('no error in any browser console during the run', async () => {
    assert.deepEqual(problems, []);
  });
} finally {
  await browser.close();
}
console.log(`\nconsole e2e: ${passed} passed, ${failed} failed, ${todo} to do`);
process.exit(failed ? 1 : 0);
