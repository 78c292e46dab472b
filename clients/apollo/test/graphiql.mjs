// GraphiQL in a real browser (headless Chromium via playwright-core): open `/`, log in with the
// login mutation, put the token in the Authorization header, run a query, see the result; then
// open the docs explorer on `Drone` and read its descriptions.
//
//   HANGAR_URL=http://127.0.0.1:8080 HANGAR_PASSWORD=… node test/graphiql.mjs [screenshot.png] [docs.png]
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const base = process.env.HANGAR_URL ?? 'http://127.0.0.1:8080';
const username = process.env.HANGAR_USERNAME ?? 'admin';
const password = process.env.HANGAR_PASSWORD;
const screenshot = process.argv[2] ?? new URL('../../../docs/graphiql.png', import.meta.url).pathname;
const docsShot = process.argv[3] ?? new URL('../../../docs/graphiql-docs.png', import.meta.url).pathname;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});

let passed = 0;
let failed = 0;
const page = await browser.newPage({ viewport: { width: 1400, height: 820 } });
try {
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));

  await page.goto(`${base}/`);
  await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 20_000 });

  // The editors are CodeMirror instances: set their text as a user would type it.
  const setEditor = async (selector, text) => {
    await page.evaluate(([s, t]) => document.querySelector(s).CodeMirror.setValue(t), [selector, text]);
    // GraphiQL re-reads the operation name and headers after a short debounce.
    await page.waitForTimeout(600);
  };
  const result = () =>
    page.evaluate(() => document.querySelector('.result-window .CodeMirror').CodeMirror.getValue());
  const run = async (until) => {
    await page.click('.graphiql-execute-button');
    await page.waitForFunction(
      (text) => document.querySelector('.result-window .CodeMirror')?.CodeMirror.getValue().includes(text),
      until,
      { timeout: 15_000 },
    );
    return JSON.parse(await result());
  };

  const login = `mutation Login {\n  login(username: "${username}", password: "${password}") {\n    accessToken\n    user { username role }\n  }\n}`;
  await setEditor('.graphiql-query-editor .CodeMirror', login);
  const loggedIn = await run('accessToken');
  const token = loggedIn.data.login.accessToken;
  assert.equal(loggedIn.data.login.user.role, 'SUPPORT');
  passed += 1;
  console.log('ok - logged in from the query editor');

  // The headers editor is open by default (defaultEditorToolsVisibility: 'headers').
  await setEditor('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror', JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2));
  const query = `query Inventory {\n  me { username role }\n  drones(first: 3, orderBy: [{ field: NAME }]) {\n    totalCount\n    nodes { serialNumber name brand cameras { model } }\n  }\n}`;
  await setEditor('.graphiql-query-editor .CodeMirror', query);
  const answered = await run('"me"');
  assert.equal(answered.errors, undefined, JSON.stringify(answered));
  assert.equal(answered.data.me.username, username);
  passed += 1;
  console.log('ok - a query with the Authorization header sees the signed-in user');

  await page.screenshot({ path: screenshot });
  console.log(`screenshot: ${screenshot}`);

  // The docs explorer is the API's manual: Query, then the type of `drone`.
  await page.click('button[aria-label="Show Documentation Explorer"]');
  await page.click('.graphiql-doc-explorer a.graphiql-doc-explorer-type-name:text-is("Query")');
  await page.click('.graphiql-doc-explorer a.graphiql-doc-explorer-type-name:text-is("Drone")');
  await page.waitForSelector('.graphiql-doc-explorer-title:text-is("Drone")', { timeout: 10_000 });
  const docs = await page.textContent('.graphiql-doc-explorer');
  for (const words of ['One physical drone of the fleet', "The maker's serial number", 'RFC 3339']) {
    assert.ok(docs.includes(words), `the docs of Drone say "${words}"`);
  }
  passed += 1;
  console.log('ok - the docs explorer describes Drone and its fields');
  // Clicking scrolled the pane to the link; the picture starts at the type's own description.
  await page.evaluate(() => {
    for (let el = document.querySelector('.graphiql-doc-explorer-title'); el; el = el.parentElement) el.scrollTop = 0;
  });
  await page.screenshot({ path: docsShot });
  console.log(`screenshot: ${docsShot}`);

  assert.deepEqual(problems, [], 'no script errors on the page');
  passed += 1;
  console.log('ok - the page ran without script errors');
} catch (error) {
  failed += 1;
  console.log(`not ok - ${error.stack ?? error}`);
  await page.screenshot({ path: screenshot }).catch(() => {});
  console.log(`screenshot of the failure: ${screenshot}`);
} finally {
  await browser.close();
}
console.log(`\ngraphiql: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
