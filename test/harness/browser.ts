import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ARTIFACTS } from './paths.js';

/** Debian's Chromium, which the test command installs when it is missing. */
const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** A headless system Chromium, with nothing that reaches outside this machine. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = CHROMIUM_PATHS.find((path) => existsSync(path));
  if (!executablePath) throw new Error('Chromium is not installed: run apt-get install -y chromium');
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Signs in on the page at `url` as `nickname` and joins `room`, as a person would. */
export async function signInAndJoin(page: Page, url: string, nickname: string, room: string): Promise<void> {
  await page.goto(url);
  await page.fill('#nickname', nickname);
  await page.press('#nickname', 'Enter');
  await page.waitForSelector('#status[data-state=connected]');
  await page.fill('#room-name', room);
  await page.press('#room-name', 'Enter');
  await page.waitForSelector(`#joined-rooms button[data-room="${room}"][aria-current=true]`);
}
