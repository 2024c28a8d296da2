import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startCluster, type TestCluster } from '../harness/index.js';
import {
  expectAccessible,
  joinRoom,
  notificationsShown,
  openPerson,
  say,
  screenshot,
} from '../harness/ui-pages.js';

/** The conversation as two people see it in Chromium, against three nodes behind nginx. */
describe('the browser conversation', () => {
  let cluster: TestCluster;
  let browser: Browser;
  let alice: Page;
  let bob: Page;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3 });
    browser = await launchChromium();
    // Each straight to a node of their own (a node places the sessions it receives on itself):
    // everything below crosses nodes.
    alice = await openPerson(browser, cluster.nodes[0].url, 'alice', { recordNotifications: true });
    // Bob's system asks for dark: the page follows it.
    bob = await openPerson(browser, cluster.nodes[1].url, 'bob', { colorScheme: 'dark' });
    expect(await alice.getAttribute('#status', 'data-node')).not.toBe(
      await bob.getAttribute('#status', 'data-node'),
    );
  });
  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  const texts = (page: Page) => page.$$eval('#messages li .text', (items) => items.map((i) => i.textContent));

  it('opens a new room with its intro and a hint, then shows who joins', async () => {
    await joinRoom(alice, 'lobby');
    expect(await alice.textContent('#messages .intro')).toContain('This is the start of # lobby.');
    await alice.waitForSelector('#messages .intro .hint');
    await screenshot(alice, 'empty-room-desktop-light');
    await expectAccessible(alice, 'empty room');

    await joinRoom(bob, 'lobby');
    await alice.waitForSelector('#messages li.event.joined[data-user="bob"] >> text=joined');
    // Own joins draw no line.
    expect(await bob.$$('#messages li.event[data-user="bob"]')).toHaveLength(0);
  });

  it("groups one author's run of messages under one header, by day, with the full date on hover", async () => {
    for (const text of ['first', 'second', 'third']) await say(bob, text);
    await alice.waitForSelector('#messages li.message[data-user="bob"] >> text=third');
    const runs = await alice.$$eval('#messages li.message[data-user="bob"]', (items) =>
      items.map((i) => i.classList.contains('continued')),
    );
    expect(runs).toEqual([false, true, true]);
    expect(await alice.$$eval('#messages li.day', (days) => days.map((d) => d.textContent))).toEqual([
      'Today',
    ]);
    const title = await alice.getAttribute('#messages li.message[data-user="bob"] time', 'title');
    expect(title).toContain(String(new Date().getFullYear()));

    // One layout for everyone: own messages line up with the others', not as right-hand bubbles.
    await say(alice, 'hi bob');
    await alice.waitForSelector('#messages li.own[data-user="alice"] >> text=hi bob');
    const edges = await alice.$$eval('#messages li.message:not(.continued) .text', (items) =>
      items.map((i) => Math.round(i.getBoundingClientRect().left)),
    );
    expect(new Set(edges).size).toBe(1);
    await bob.waitForSelector('#messages li[data-user="alice"] >> text=hi bob');
  });

  it('makes http(s) links clickable and safe, and nothing else', async () => {
    await say(bob, 'see https://example.com/a?b=1. not javascript:alert(1) nor <a href=x>x</a>');
    await alice.waitForSelector('#messages a');
    const links = await alice.$$eval('#messages a', (anchors) =>
      anchors.map((a) => ({
        href: a.getAttribute('href'),
        rel: a.getAttribute('rel'),
        target: a.getAttribute('target'),
        text: a.textContent,
      })),
    );
    expect(links).toEqual([
      {
        href: 'https://example.com/a?b=1',
        rel: 'noopener noreferrer',
        target: '_blank',
        text: 'https://example.com/a?b=1',
      },
    ]);
    expect((await texts(alice)).at(-1)).toBe(
      'see https://example.com/a?b=1. not javascript:alert(1) nor <a href=x>x</a>',
    );
  });

  it('writes several lines: Shift+Enter for a new line, Enter to send', async () => {
    await bob.fill('#message', 'line one');
    await bob.press('#message', 'Shift+Enter');
    await bob.type('#message', 'line two');
    expect(await bob.$$('#messages li[data-pending]')).toHaveLength(0);
    await bob.press('#message', 'Enter');
    await alice.waitForFunction(() =>
      [...document.querySelectorAll('#messages li .text')].some(
        (t) => t.textContent === 'line one\nline two',
      ),
    );
    expect(await bob.inputValue('#message')).toBe('');
    await screenshot(alice, 'conversation-desktop-light');
    await screenshot(bob, 'conversation-desktop-dark');
    await expectAccessible(alice, 'conversation, light');
    await expectAccessible(bob, 'conversation, dark');
  });

  it('highlights mentions, notifies of one elsewhere (after a click allowed it), and counts unread in the title', async () => {
    // Asked on a click, never on load.
    expect(
      await alice.evaluate(() => (window as unknown as { permissionAsked: number }).permissionAsked),
    ).toBe(0);
    await alice.click('#enable-notifications');
    await alice.waitForSelector('#enable-notifications', { state: 'hidden' });
    expect(
      await alice.evaluate(() => (window as unknown as { permissionAsked: number }).permissionAsked),
    ).toBe(1);

    await joinRoom(alice, 'elsewhere');
    await say(bob, 'hey @alice, look at this');
    await say(bob, 'and @bob talks to himself');
    await alice.waitForSelector('#joined-rooms button[data-room="lobby"] .badge >> text=2');
    expect(await alice.title()).toBe('(2) ringchat');
    expect(await notificationsShown(alice)).toEqual([
      { title: 'bob in # lobby', body: 'hey @alice, look at this' },
    ]);

    await bob.waitForSelector('#messages .mention.to-me >> text=@bob');
    expect(await bob.textContent('#messages .mention:not(.me)')).toBe('@alice');
    await alice.click('#joined-rooms button[data-room="lobby"]');
    await alice.waitForSelector('#messages .mention.to-me >> text=@alice');
    expect(await alice.title()).toBe('ringchat');
    await screenshot(alice, 'mentions-desktop-light');
  });

  it('shows who is typing, until they stop', async () => {
    await bob.click('#joined-rooms button[data-room="lobby"]');
    await bob.type('#message', 'thinking');
    await alice.waitForSelector('#typing >> text=bob is typing…');
    await screenshot(alice, 'typing-desktop-light');
    await bob.fill('#message', '');
    await bob.dispatchEvent('#message', 'input');
    await alice.waitForFunction(() => document.getElementById('typing')?.textContent === '');
  });

  it('lets the author edit and delete own messages, for everyone, durably', async () => {
    const bobsMessage = (text: string) =>
      `#messages li.message[data-user="bob"]:has(.text:text-is("${text}"))`;
    // No actions on another's message.
    expect(await alice.$$(`${bobsMessage('first')} .actions`)).toHaveLength(0);

    await bob.hover(bobsMessage('first'));
    await bob.click(`${bobsMessage('first')} button.edit`);
    await expectAccessible(bob, 'editing a message');
    await bob.fill('#messages .editor textarea', 'first, fixed');
    await bob.press('#messages .editor textarea', 'Enter');
    await alice.waitForSelector('#messages li.message[data-user="bob"] .text >> text=first, fixed');
    expect(
      await alice.textContent('#messages li.message[data-user="bob"]:has-text("first, fixed") .edited'),
    ).toBe(' (edited)');

    // By keyboard: Tab reaches Delete.
    await bob.focus(`${bobsMessage('second')} button.edit`);
    await bob.keyboard.press('Tab');
    await bob.keyboard.press('Enter');
    await alice.waitForSelector(
      '#messages li.message.deleted[data-user="bob"] >> text=This message was deleted.',
    );
    await bob.waitForSelector('#messages li.message.deleted >> text=This message was deleted.');
    await screenshot(alice, 'edited-deleted-desktop-light');

    // Durable: a fresh load shows the same.
    await alice.reload();
    await alice.press('#nickname', 'Enter');
    await alice.click('#joined-rooms button[data-room="lobby"]');
    await alice.waitForSelector('#messages li.message[data-user="bob"] .text >> text=first, fixed');
    const texts = await alice.$$eval('#messages li.message[data-user="bob"] .text', (items) =>
      items.map((i) => i.textContent),
    );
    expect(texts.slice(0, 3)).toEqual(['first, fixed (edited)', 'This message was deleted.', 'third']);
  });

  it('shows when someone leaves', async () => {
    await bob.context().close();
    await alice.waitForSelector('#messages li.event.left[data-user="bob"] >> text=left', { timeout: 15_000 });
  });
});
