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
  await page.getByLabel('Username', { exact: true }).fill(who.username);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
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
    await page.getByLabel('Username', { exact: true }).fill(admin.username);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'The username or password is wrong.' }).waitFor();
    // The refused attempt answered 200 with UNAUTHENTICATED: nothing for the console to log.
    problems.length = 0;
    await page.getByLabel('Password', { exact: true }).fill(admin.password);
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
    await page.getByLabel('Status', { exact: true }).selectOption('AVAILABLE');
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
    assert.equal(await other.getByLabel('Status', { exact: true }).inputValue(), 'AVAILABLE');
    await other.context().close();
  });

  await step('the other filters (search, brand, megapixels, site, city, tags, overdue) each list what the API lists', async () => {
    const cases = [
      ['q=mavic', { search: 'mavic' }],
      ['brand=DJI', { brand: { eq: 'DJI' } }],
      ['mp=40', { camera: { megapixels: { gte: 40 } } }],
      ['site=Lyon%20Depot', { site: { name: { eq: 'Lyon Depot' } } }],
      ['city=Berlin', { city: 'Berlin' }],
      ['tags=photo', { tags: { all: ['photo'] } }],
      ['overdue=true', { overdue: true }],
    ];
    for (const [query, filter] of cases) {
      const answer = (
        await api('query($f: DroneFilter) { drones(first: 20, filter: $f, orderBy: [{ field: NAME }]) { totalCount nodes { serialNumber } } }', { f: filter }, adminToken)
      ).drones;
      assert.ok(answer.totalCount > 0, `${query} matches something in the seed`);
      await page.goto(`${console_}drones?${query}`);
      await until(
        () => page.locator('tbody td.mono').allTextContents(),
        (serials) => serials.join() === answer.nodes.map((n) => n.serialNumber).join(),
        query,
      );
      await page.getByText(`${answer.totalCount} ${answer.totalCount === 1 ? 'drone' : 'drones'}`, { exact: true }).waitFor();
    }
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
    await page.getByLabel('Order by', { exact: true }).selectOption('SERIAL_NUMBER');
    await page.getByLabel('Direction', { exact: true }).selectOption('DESC');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/sort=SERIAL_NUMBER/);
    const expected = (
      await api('{ drones(first: 20, orderBy: [{ field: SERIAL_NUMBER, direction: DESC }]) { nodes { serialNumber } } }', {}, adminToken)
    ).drones.nodes.map((n) => n.serialNumber);
    await until(() => page.locator('tbody td.mono').allTextContents(), (serials) => serials.join() === expected.join(), 'serial numbers descending');
  });

  await step('all eight orderings, each both ways, list what the API lists', async () => {
    const fields = ['NAME', 'BRAND', 'SERIAL_NUMBER', 'CREATED_AT', 'UPDATED_AT', 'STATUS', 'DUE_BACK_AT', 'MAINTENANCE_DUE_AT'];
    for (const field of fields) {
      for (const direction of ['ASC', 'DESC']) {
        const expected = (
          await api(`{ drones(first: 20, orderBy: [{ field: ${field}, direction: ${direction} }]) { nodes { serialNumber } } }`, {}, adminToken)
        ).drones.nodes.map((n) => n.serialNumber).join();
        await page.goto(`${console_}drones?sort=${field}&dir=${direction}`);
        await until(() => page.locator('tbody td.mono').allTextContents(), (serials) => serials.join() === expected, `${field} ${direction}`);
      }
    }
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

  if (shots) {
    // Status descending: the seeded drones that are retired, lost, in maintenance or out come
    // first (the other client tests' drones are all available).
    await page.goto(`${console_}drones?sort=STATUS&dir=DESC`);
    await waitLoaded(page);
    await page.locator('tbody .status', { hasText: 'Retired' }).first().waitFor();
    await page.screenshot({ path: `${shots}/console-drones.png` });
  }

  let registeredId = null;
  await step('register a drone: a taken serial number is shown at its field, then it registers and a second browser sees it without a reload', async () => {
    const watcher = await context();
    await signIn(watcher, member);
    await watcher.goto(`${console_}drones?sort=CREATED_AT&dir=DESC`);
    await waitLoaded(watcher);
    await watcher.getByText('● live').waitFor();
    const before = Number((await watcher.locator('.count').textContent()).trim().split(' ')[0]);

    await page.goto(`${console_}drones`);
    await page.getByRole('link', { name: 'Register drones' }).click();
    await page.getByRole('heading', { name: 'Register drones' }).waitFor();
    const taken = (await api('{ drones(first: 1) { nodes { serialNumber } } }', {}, adminToken)).drones.nodes[0].serialNumber;
    await page.getByLabel('Serial number', { exact: true }).fill(taken);
    await page.getByLabel('Name', { exact: true }).fill('E2E Console Drone');
    await page.getByLabel('Brand', { exact: true }).fill('Skydio');
    await page.getByRole('button', { name: 'Register', exact: true }).click();
    const beside = page.locator('#r-serialNumber-error');
    await beside.waitFor();
    assert.match(await beside.textContent(), /already registered/);
    assert.equal(await page.getByLabel('Serial number', { exact: true }).getAttribute('aria-invalid'), 'true');

    const serial = `E2E-${Date.now()}`;
    await page.getByLabel('Serial number', { exact: true }).fill(serial);
    const camera = await page.locator('#r-cameraModels option').first().getAttribute('value');
    await page.getByLabel('Camera models it supports', { exact: true }).selectOption([camera]);
    await page.getByLabel('Site', { exact: true }).selectOption({ index: 1 });
    await page.getByLabel('Tags (comma separated)', { exact: true }).fill('e2e, console');
    await page.getByRole('button', { name: 'Register', exact: true }).click();
    await page.waitForURL(/\/drones\/\d+$/);
    registeredId = page.url().split('/').pop();
    await page.getByRole('heading', { name: 'E2E Console Drone' }).waitFor();

    await watcher.locator('tbody td.mono', { hasText: serial }).waitFor({ timeout: 10_000 });
    await watcher.getByText(`${before + 1} drones`).waitFor();
    await watcher.context().close();
  });

  await step('the drone page shows cameras, site, status and custody, and its maintenance log', async () => {
    await page.goto(`${console_}drones/${registeredId}`);
    await page.getByRole('heading', { name: 'E2E Console Drone' }).waitFor();
    await page.getByRole('heading', { name: 'Cameras' }).waitFor();
    assert.ok((await page.locator('section[aria-labelledby="facts"] li').count()) >= 1);
    await page.getByText('Not checked out.').waitFor();
    await page.getByText('Nothing recorded yet.').waitFor();
    assert.equal(await page.locator('.title .status').textContent(), 'Available');
  });

  await step('check it out to a pilot and back in; record maintenance', async () => {
    await page.getByLabel('Check out to', { exact: true }).selectOption({ label: member.username });
    await page.getByRole('button', { name: 'Check out' }).click();
    await page.getByText(`Held by ${member.username}`).waitFor();
    assert.equal(await page.locator('.title .status').textContent(), 'Checked out');
    await page.getByLabel('Needs maintenance', { exact: true }).check();
    // To maintenance, Hangar wants to know why: the button waits for it.
    await until(() => page.getByRole('button', { name: 'Check in' }).isDisabled(), (disabled) => disabled, 'Check in disabled');
    await page.getByLabel('What is wrong', { exact: true }).fill('Left rear propeller chipped');
    await page.getByRole('button', { name: 'Check in' }).click();
    await page.getByText('Not checked out.').waitFor();
    assert.equal(await page.locator('.title .status').textContent(), 'In maintenance');
    await page.getByLabel('What was done', { exact: true }).fill('Replaced the left rear propeller');
    await page.getByLabel('Back in service', { exact: true }).check();
    await page.getByRole('button', { name: 'Record' }).click();
    await page.getByText('Replaced the left rear propeller').waitFor();
    assert.equal(await page.locator('.title .status').textContent(), 'Available');
  });

  await step('upload a photo: its thumbnail appears on the drone page', async () => {
    // A real JPEG: the seeded photo of another drone, fetched from its signed URL.
    const seeded = await api('{ drones(first: 100) { nodes { photos { url } } } }', {}, adminToken);
    const url = seeded.drones.nodes.flatMap((n) => n.photos)[0].url;
    const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
    await page.getByLabel('Photo (JPEG, PNG or WebP)', { exact: true }).setInputFiles({ name: 'arrival.jpg', mimeType: 'image/jpeg', buffer: bytes });
    await page.getByLabel('Caption (optional)', { exact: true }).fill('On arrival');
    await page.getByRole('button', { name: 'Upload' }).click();
    const thumb = page.locator('figure img[alt="On arrival"]');
    await thumb.waitFor();
    await page.waitForFunction(() => document.querySelector('figure img')?.naturalWidth > 0);
    if (shots) await page.screenshot({ path: `${shots}/console-drone.png`, fullPage: true });
  });

  await step('sites are listed with their drone counts', async () => {
    await page.getByRole('link', { name: 'Sites' }).click();
    await page.getByRole('heading', { name: 'Sites' }).waitFor();
    const expected = (await api('{ sites { totalCount } }', {}, adminToken)).sites.totalCount;
    await until(() => page.locator('table[aria-label="Sites"] tbody tr').count(), (n) => n === expected, 'every site');
  });

  await step('the dashboard charts statuses per site from droneStats', async () => {
    await page.getByRole('link', { name: 'Dashboard' }).click();
    const stats = (await api('{ droneStats { total overdue } }', {}, adminToken)).droneStats;
    await page.locator('.tile', { hasText: 'drones' }).filter({ hasText: String(stats.total) }).waitFor();
    await page.locator('table[aria-label="Drones per site and status"] tbody tr').first().waitFor();
    // Chart.js has drawn: the canvas holds non-blank pixels.
    await page.waitForFunction(() => {
      const canvas = document.querySelector('canvas');
      if (!canvas || !canvas.width) return false;
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      return pixels.some((v, i) => i % 4 === 3 && v > 0);
    });
    if (shots) await page.screenshot({ path: `${shots}/console-dashboard.png`, fullPage: true });
  });

  await step('bulk CSV import: a progress bar and a report line for every line, a bad line refused alone', async () => {
    await page.goto(`${console_}drones/new`);
    const stamp = Date.now();
    const csv = [
      'serialNumber,name,brand,cameraModels,site,tags,maintenanceIntervalDays',
      ...Array.from({ length: 250 }, (_, i) => `CSV-${stamp}-${i},Bulk ${i},Autel,,,bulk;e2e,90`),
      `CSV-${stamp}-bad,,Autel,,,,`,
    ].join('\n');
    await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'drones.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByText('Imported 251 of 251 lines').waitFor({ timeout: 20_000 });
    await page.getByText('250 created, 0 updated, 0 skipped, 1 refused').waitFor();
    const refused = page.locator('tr.refused');
    assert.equal(await refused.count(), 1);
    assert.match(await refused.textContent(), /252.*name must not be empty/s);
  });

  await step('a MEMBER sees no write controls (the server refuses them anyway)', async () => {
    const reader = await context();
    await signIn(reader, member);
    await waitLoaded(reader);
    assert.equal(await reader.getByRole('link', { name: 'Register drones' }).count(), 0);
    await reader.goto(`${console_}drones/new`);
    await reader.waitForURL(/\/drones$/);
    await reader.goto(`${console_}drones/${registeredId}`);
    await reader.getByRole('heading', { name: 'E2E Console Drone' }).waitFor();
    await reader.locator('figure img').first().waitFor();
    for (const name of ['Check out', 'Record maintenance', 'Add a photo']) {
      assert.equal(await reader.getByRole('form', { name }).count(), 0, name);
    }
    await reader.getByRole('link', { name: 'Sites' }).click();
    await reader.getByRole('heading', { name: 'Sites' }).waitFor();
    assert.equal(await reader.getByRole('heading', { name: 'Add a site' }).count(), 0);
    await reader.context().close();
  });

  await step('no error in any browser console during the run', async () => {
    assert.deepEqual(problems, []);
  });
} finally {
  await browser.close();
}
console.log(`\nconsole e2e: ${passed} passed, ${failed} failed, ${todo} to do`);
process.exit(failed ? 1 : 0);
