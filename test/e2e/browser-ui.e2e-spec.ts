import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  connectRingchat,
  launchChromium,
  startCluster,
  waitFor,
  type TestCluster,
} from '../harness/index.js';

/** Two people in real Chromium against three nodes behind nginx; one of them polling-only. */
describe('the browser chat', () => {
  let cluster: TestCluster;
  let browser: Browser;
  let alice: Page;
  let bob: Page;
  const dialogs: string[] = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3, nodeEnv: { LOG_LEVEL: 'info' } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  async function open(nickname: string, query = ''): Promise<Page> {
    // A context each: separate storage, as two people on two machines.
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 760 } })).newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
    });
    await page.goto(`${cluster.url}/${query}`);
    await page.fill('#nickname', nickname);
    await page.press('#nickname', 'Enter');
    await page.waitForSelector('#status[data-state=connected]');
    // Record every state of the connection chip, to see "reconnecting" however briefly it shows.
    await page.evaluate(() => {
      const chip = document.getElementById('status')!;
      const seen: string[] = [chip.dataset.state ?? ''];
      (window as unknown as { chipStates: string[] }).chipStates = seen;
      new MutationObserver(() => seen.push(chip.dataset.state ?? '')).observe(chip, { attributes: true });
    });
    return page;
  }

  async function joinRoom(page: Page, room: string): Promise<void> {
    await page.fill('#room-name', room);
    await page.press('#room-name', 'Enter');
    await page.waitForSelector(`#joined-rooms button[data-room="${room}"][aria-current=true]`);
  }

  async function say(page: Page, text: string): Promise<void> {
    await page.fill('#message', text);
    await page.press('#message', 'Enter');
  }

  const messageTexts = (page: Page) =>
    page.$$eval('#messages li .text', (items) => items.map((i) => i.textContent));

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(ARTIFACTS, `ui-${name}.png`) });
  }

  it('refuses a bad nickname with a clear message', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${cluster.url}/`);
    await page.fill('#nickname', '   ');
    await page.click('#login-form button');
    expect(await page.textContent('#login-error')).toBe('Please choose a nickname.');
    await shot(page, '1-login-error');
    await page.close();
  });

  it('lets two users, one polling-only, chat in two rooms and see each other', async () => {
    alice = await open('alice');
    bob = await open('bob', '?transport=polling');
    expect(await bob.getAttribute('#status', 'data-transport')).toBe('polling');
    for (const page of [alice, bob]) {
      await joinRoom(page, 'general');
      await joinRoom(page, 'random');
    }

    // Alice is in random; she writes in general.
    await alice.click('#joined-rooms button[data-room="general"]');
    await say(alice, 'hi bob');
    await bob.waitForSelector('#joined-rooms button[data-room="general"] .badge');
    await bob.click('#joined-rooms button[data-room="general"]');
    await bob.waitForSelector('#messages li[data-user="alice"] >> text=hi bob');

    await bob.click('#joined-rooms button[data-room="random"]');
    await say(bob, 'hello from the polling side');
    await alice.waitForSelector('#joined-rooms button[data-room="random"] .badge >> text=1');
    await alice.click('#joined-rooms button[data-room="random"]');
    await alice.waitForSelector('#messages li.message[data-user="bob"] >> text=hello from the polling side');
    // Own messages are marked as such.
    await bob.waitForSelector('#messages li.own[data-user="bob"]');

    // Presence: both see both, and the node each one lives on.
    await alice.waitForSelector('#members li[data-user="bob"]');
    await bob.waitForSelector('#members li[data-user="alice"]');
    await shot(alice, '2-alice-chatting');
    await shot(bob, '3-bob-polling');
  });

  it('shows markup as text, never as HTML', async () => {
    const attack = '<img src=x onerror=alert(1)>';
    await say(alice, attack);
    await bob.waitForFunction(
      (text) =>
        [...document.querySelectorAll('#messages li .text')].some((node) => node.textContent === text),
      attack,
    );
    expect(await bob.$$('#messages img')).toHaveLength(0);
    expect(await alice.$$('#messages img')).toHaveLength(0);
    expect(dialogs).toEqual([]);
    await shot(bob, '4-markup-as-text');
  });

  it('rides out the death of the node it lives on: reconnecting, connected, and the missed messages once', async () => {
    const victimId = (await bob.getAttribute('#status', 'data-node'))!;
    const victim = cluster.node(victimId);
    const survivor = cluster.nodes.find((n) => n.id !== victimId && n.process.running)!;
    const carol = await connectRingchat(survivor.url, 'carol');
    try {
      await carol.join('random');
      victim.process.kill('SIGKILL');
      await bob
        .waitForSelector('#status:not([data-state=connected])', { timeout: 10_000 })
        .catch(() => undefined);
      const missed = ['while you were away 1', 'while you were away 2', 'while you were away 3'];
      for (const text of missed) await carol.send('random', text);
      await shot(bob, '5-reconnecting');

      await waitFor(
        'bob to be connected to another node',
        async () =>
          (await bob.getAttribute('#status', 'data-state')) === 'connected' &&
          (await bob.getAttribute('#status', 'data-node')) !== victimId,
        15_000,
        200,
      );
      const states = await bob.evaluate(() => (window as unknown as { chipStates: string[] }).chipStates);
      expect(states).toContain('reconnecting');
      expect(states.at(-1)).toBe('connected');
      for (const text of missed) await bob.waitForSelector(`#messages li[data-user="carol"] >> text=${text}`);
      const texts = await messageTexts(bob);
      for (const text of missed) expect(texts.filter((t) => t === text)).toHaveLength(1);
      await shot(bob, '6-reconnected');
    } finally {
      carol.close();
    }
  });

  it('serves the page with its security headers and breaks none of its own CSP rules', async () => {
    const page = await (await browser.newContext()).newPage();
    const response = await page.goto(`${cluster.url}/`);
    const headers = response?.headers() ?? {};
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['referrer-policy']).toBe('no-referrer');
    const script = await page.request.get(`${cluster.url}/app.js`);
    expect(script.headers()['x-content-type-options']).toBe('nosniff');
    await page.close();
    // Every page the tests above opened ran the whole chat under the policy.
    expect(cspViolations).toEqual([]);
  });
});
