import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Headless Chromium from the OS packages; `npm test` finds or installs it and passes its path in
 * HC_TEST_CHROMIUM. Without it the browser tests fail with the package to install, never skip.
 */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.HC_TEST_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: install the OS package (Debian/Ubuntu: apt-get install chromium) or run the tests through npm test`,
    );
  }
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
    timeout: 60_000,
  });
}
