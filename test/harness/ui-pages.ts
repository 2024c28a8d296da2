import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { ARTIFACTS } from './paths.js';

/** Where the UI tests leave a screenshot of each main state (not committed). */
export const SCREENSHOTS = join(ARTIFACTS, 'screenshots');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export interface PersonOptions extends BrowserContextOptions {
  /** Appended to the page's URL, e.g. `?transport=polling`. */
  query?: string;
  /** Replace `Notification` with a recorder (see notificationsShown) allowed to show them. */
  recordNotifications?: boolean;
}

/** A person in a browser context of their own (own storage, as on another machine), signed in. */
export async function openPerson(
  browser: Browser,
  url: string,
  nickname: string,
  options: PersonOptions = {},
): Promise<Page> {
  const { query = '', recordNotifications, ...context } = options;
  // Reduced motion: drawers open at once, so screenshots show them in place.
  const page = await (
    await browser.newContext({ viewport: DESKTOP, reducedMotion: 'reduce', ...context })
  ).newPage();
  // Short waits: a test cluster answers in milliseconds, and a stuck step should fail fast.
  page.setDefaultTimeout(10_000);
  if (recordNotifications) await page.addInitScript(recordNotificationsScript);
  await page.goto(`${url}/${query}`);
  await page.fill('#nickname', nickname);
  await page.press('#nickname', 'Enter');
  await page.waitForSelector('#status[data-state=connected]');
  return page;
}

/** Joins by the form, as a person would (on a phone, in the rooms drawer, which closes again). */
export async function joinRoom(page: Page, room: string): Promise<void> {
  if (await page.isHidden('#room-name')) await page.click('#toggle-sidebar');
  await page.fill('#room-name', room);
  await page.press('#room-name', 'Enter');
  await page.waitForSelector(`#joined-rooms button[data-room="${room}"][aria-current=true]`, {
    state: 'attached',
  });
}

/** Types a message and sends it with Enter. */
export async function say(page: Page, text: string): Promise<void> {
  await page.fill('#message', text);
  await page.press('#message', 'Enter');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** Runs axe on the page as it is; fails listing every serious or critical violation. */
export async function expectAccessible(page: Page, state: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length > 0) {
    const lines = bad.map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    throw new Error(`accessibility violations in "${state}":\n${lines.join('\n')}`);
  }
}

/** The desktop notifications the page raised (title and body), with recordNotifications. */
export function notificationsShown(page: Page): Promise<Array<{ title: string; body: string }>> {
  return page.evaluate(
    () =>
      (window as unknown as { shownNotifications: Array<{ title: string; body: string }> })
        .shownNotifications,
  );
}

/**
 * Runs in the page before its scripts: a Notification that records instead of
 * showing (headless Chromium shows none), with permission "default" until the
 * page asks, so a test sees when it asks.
 */
function recordNotificationsScript(): void {
  const shown: Array<{ title: string; body: string }> = [];
  let permission: NotificationPermission = 'default';
  class RecordedNotification extends EventTarget {
    static get permission(): NotificationPermission {
      return permission;
    }
    static requestPermission(): Promise<NotificationPermission> {
      (window as unknown as { permissionAsked: number }).permissionAsked += 1;
      permission = 'granted';
      return Promise.resolve(permission);
    }
    constructor(title: string, options: NotificationOptions = {}) {
      super();
      shown.push({ title, body: options.body ?? '' });
    }
    close(): void {}
  }
  Object.assign(window, {
    shownNotifications: shown,
    permissionAsked: 0,
    Notification: RecordedNotification,
  });
}
