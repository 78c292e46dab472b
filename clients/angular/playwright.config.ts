// The console's end-to-end tests (e2e/), in Debian's Chromium, against a live seeded Hangar that
// serves the built console at /console/ (clients/run.sh starts one with HANGAR_CONSOLE_DIR):
//
//   HANGAR_URL=http://127.0.0.1:8080 HANGAR_PASSWORD=… [CONSOLE_SCREENSHOTS=dir] npm run e2e
//
// One worker: the tests share the server's data and some count it (the list's total, every
// site), so they run one after another, in file order.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'e2e',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env['CI'],
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    viewport: { width: 1400, height: 900 },
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
