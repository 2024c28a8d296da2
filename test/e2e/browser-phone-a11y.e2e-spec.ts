import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startCluster, type TestCluster } from '../harness/index.js';
import { expectAccessible, joinRoom, openPerson, PHONE, say, screenshot } from '../harness/ui-pages.js';

const LONG_ROOM = 'weekend plans and other long names';

/** A phone-sized screen, dark mode, the keyboard and axe, in Chromium against three nodes. */
describe('the browser chat on a phone, by keyboard, and for assistive technology', () => {
  let cluster: TestCluster;
  let browser: Browser;
  let phone: Page;
  let desk: Page;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  const focused = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

  it('has an accessible sign-in page', async () => {
    const page = await (await browser.newContext({ viewport: PHONE })).newPage();
    await page.goto(`${cluster.url}/`);
    await page.waitForSelector('#login-form');
    await screenshot(page, 'login-phone-light');
    await expectAccessible(page, 'sign-in');
    await page.context().close();
  });

  it('shows a way to join on a phone, in a drawer with a backdrop, and the whole room title', async () => {
    phone = await openPerson(browser, cluster.url, 'pat', {
      viewport: PHONE,
      isMobile: true,
      hasTouch: true,
    });
    await screenshot(phone, 'no-room-phone-light');
    await expectAccessible(phone, 'phone, no room');
    await phone.click('#empty-join');
    await phone.waitForSelector('#sidebar.open');
    expect(await phone.isVisible('#backdrop')).toBe(true);
    expect(await focused(phone)).toBe('room-name');
    await screenshot(phone, 'rooms-drawer-phone-light');
    await expectAccessible(phone, 'phone, rooms drawer');

    await joinRoom(phone, LONG_ROOM);
    await phone.waitForSelector('#sidebar', { state: 'hidden' });
    expect(await phone.isHidden('#backdrop')).toBe(true);
    const title = await phone.$eval('#room-title', (h) => ({
      text: h.textContent,
      clipped: h.scrollWidth > h.clientWidth,
      right: h.getBoundingClientRect().right,
    }));
    expect(title).toEqual({ text: `# ${LONG_ROOM}`, clipped: false, right: expect.any(Number) as number });
    expect(title.right).toBeLessThanOrEqual(PHONE.width);
    // The connection chip is still there, on the line above.
    expect(await phone.isVisible('#status[data-state=connected]')).toBe(true);
  });

  it('reaches the member list on a phone, and Esc closes it back to its button', async () => {
    desk = await openPerson(browser, cluster.url, 'dana');
    await joinRoom(desk, LONG_ROOM);
    await say(desk, 'hello @pat, this is dana on a big screen');
    await phone.waitForSelector('#messages .mention.to-me');
    await screenshot(phone, 'conversation-phone-light');
    await expectAccessible(phone, 'phone, conversation');

    await phone.click('#toggle-members');
    await phone.waitForSelector('#members-panel.open #members li[data-user="dana"]');
    expect(await phone.isVisible('#backdrop')).toBe(true);
    expect(await phone.getAttribute('#toggle-members', 'aria-expanded')).toBe('true');
    await screenshot(phone, 'members-drawer-phone-light');
    await expectAccessible(phone, 'phone, members drawer');
    await phone.keyboard.press('Escape');
    await phone.waitForSelector('#members-panel', { state: 'hidden' });
    expect(await focused(phone)).toBe('toggle-members');

    await phone.click('#toggle-members');
    await phone.click('#backdrop', { position: { x: 20, y: 400 } });
    await phone.waitForSelector('#members-panel', { state: 'hidden' });
  });

  it('turns dark with the toggle and remembers it', async () => {
    await phone.click('#theme-toggle');
    expect(await phone.getAttribute('html', 'data-theme')).toBe('dark');
    expect(await phone.getAttribute('#theme-toggle', 'aria-pressed')).toBe('true');
    await phone.reload();
    await phone.waitForSelector('#login-form');
    expect(await phone.getAttribute('html', 'data-theme')).toBe('dark');
    await screenshot(phone, 'login-phone-dark');
    await expectAccessible(phone, 'sign-in, dark');
    await phone.press('#nickname', 'Enter');
    await phone.waitForSelector(`#joined-rooms button[data-room="${LONG_ROOM}"][aria-current=true]`, {
      state: 'attached',
    });
    await phone.waitForSelector('#messages li[data-user="dana"]');
    await screenshot(phone, 'conversation-phone-dark');
    await expectAccessible(phone, 'phone, conversation, dark');
    await phone.click('#toggle-sidebar');
    await phone.waitForSelector('#sidebar.open');
    await screenshot(phone, 'rooms-drawer-phone-dark');
    await phone.keyboard.press('Escape');
  });

  it('works by keyboard: the ? list, / to filter, Alt+arrows between rooms, visible focus', async () => {
    await joinRoom(desk, 'second');
    await desk.focus('#message');
    await desk.keyboard.press('Escape');
    await desk.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

    await desk.keyboard.press('?');
    await desk.waitForSelector('#shortcuts[open]');
    await screenshot(desk, 'shortcuts-desktop-light');
    await expectAccessible(desk, 'shortcuts dialog');
    // Modal: Tab stays inside the dialog.
    for (let i = 0; i < 3; i++) {
      await desk.keyboard.press('Tab');
      expect(await desk.evaluate(() => !!document.activeElement?.closest('#shortcuts'))).toBe(true);
    }
    await desk.keyboard.press('Escape');
    await desk.waitForSelector('#shortcuts:not([open])', { state: 'hidden' });
    // Opened from its button, it gives focus back to that button.
    await desk.focus('#shortcuts-open');
    await desk.keyboard.press('Enter');
    await desk.waitForSelector('#shortcuts[open]');
    await desk.keyboard.press('Escape');
    await desk.waitForSelector('#shortcuts:not([open])', { state: 'hidden' });
    expect(await focused(desk)).toBe('shortcuts-open');

    await desk.keyboard.press('Alt+ArrowDown');
    await desk.waitForSelector(`#joined-rooms button[data-room="${LONG_ROOM}"][aria-current=true]`);
    await desk.keyboard.press('Alt+ArrowUp');
    await desk.waitForSelector('#joined-rooms button[data-room="second"][aria-current=true]');

    // Pat's room list, by keyboard only: / into the filter, Tab to the match, Enter to join.
    await joinRoom(phone, 'pats corner');
    await desk.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await desk.keyboard.press('/');
    expect(await focused(desk)).toBe('room-filter');
    await desk.keyboard.type('corner');
    await desk.waitForSelector('#all-rooms button[data-room="pats corner"]');
    await desk.keyboard.press('Tab');
    expect(await desk.evaluate(() => (document.activeElement as HTMLElement).dataset.room)).toBe(
      'pats corner',
    );
    const outline = await desk.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
    await desk.keyboard.press('Enter');
    await desk.waitForSelector('#joined-rooms button[data-room="pats corner"][aria-current=true]');
    expect(await focused(desk)).toBe('message');
  });
});
