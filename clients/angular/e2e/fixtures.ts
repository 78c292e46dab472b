// What every console e2e test stands on: the API (to set up and to check against), the
// signed-in pages it opens, and the rule that any browser console error or page error fails
// the test that caused it.
import { test as base, expect, type Page, type Request } from '@playwright/test';

export { expect };

const hangar = process.env['HANGAR_URL'] ?? 'http://127.0.0.1:8080';
/** The console's root, as the server serves it. */
export const consoleUrl = `${hangar}/console/`;
/** Where to write the docs' screenshots (clients/run.sh: docs/); none when unset. */
export const shots = process.env['CONSOLE_SCREENSHOTS'] || null;

export interface Who {
  username: string;
  password: string;
}

export const admin: Who = {
  username: process.env['HANGAR_USERNAME'] ?? 'admin',
  password: process.env['HANGAR_PASSWORD'] ?? '',
};

/** A GraphQL call straight to the API (not through the browser). */
export async function api<T = any>(query: string, variables: object = {}, token?: string): Promise<T> {
  const response = await fetch(`${hangar}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

/** Signs in through the console's form, as a person would. */
export async function signIn(page: Page, who: Who): Promise<void> {
  await page.goto(consoleUrl);
  await page.getByLabel('Username', { exact: true }).fill(who.username);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Drones' }).waitFor();
}

/** Whether a request is one of the drone list's queries (`DronePage`): a POST, or a GET when
 * Automatic Persisted Queries send its hash in the URL. */
export function isListQuery(request: Request): boolean {
  const url = new URL(request.url());
  if (url.pathname !== '/graphql') return false;
  if (request.method() === 'GET') return url.searchParams.get('operationName') === 'DronePage';
  if (request.method() !== 'POST') return false;
  try {
    return request.postDataJSON()?.operationName === 'DronePage';
  } catch {
    return false;
  }
}

interface Fixtures {
  /** Browser console errors and page errors of every page the test opened: none allowed. */
  browserErrors: string[];
  /** A page in a browser context of its own (its errors watched), signed in when `who` is given. */
  openPage: (who?: Who) => Promise<Page>;
  /** A page signed in as the admin (SUPPORT). */
  page: Page;
}

interface WorkerFixtures {
  /** The admin's API token, and a MEMBER made for this run. */
  people: { adminToken: string; member: Who };
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  people: [
    async ({}, use) => {
      const adminToken = (
        await api<{ login: { accessToken: string } }>(
          'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }',
          { u: admin.username, p: admin.password },
        )
      ).login.accessToken;
      const member = { username: `e2e-member-${Date.now()}`, password: 'e2e-member-password-42' };
      await api(
        'mutation($i: CreateUserInput!) { createUser(input: $i) { id } }',
        { i: { username: member.username, password: member.password, role: 'MEMBER' } },
        adminToken,
      );
      await use({ adminToken, member });
    },
    { scope: 'worker' },
  ],

  browserErrors: [
    async ({}, use) => {
      const errors: string[] = [];
      await use(errors);
      expect(errors, 'no error in any browser console').toEqual([]);
    },
    { auto: true },
  ],

  openPage: async ({ browser, browserErrors }, use) => {
    const contexts: Awaited<ReturnType<typeof browser.newContext>>[] = [];
    await use(async (who) => {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, baseURL: consoleUrl });
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (error) => browserErrors.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') browserErrors.push(`console error: ${message.text()}`);
      });
      if (who) await signIn(page, who);
      return page;
    });
    for (const context of contexts) await context.close();
  },

  page: async ({ openPage }, use) => {
    await use(await openPage(admin));
  },
});
