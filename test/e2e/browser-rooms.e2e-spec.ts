import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RingchatClient, RoomEvent } from '@app/chat-client';
import { startCluster, type TestCluster } from '../harness/cluster.js';
import { connectRingchat, launchChromium, waitFor } from '../harness/index.js';
import { expectAccessible, joinRoom, openPerson, say, screenshot } from '../harness/ui-pages.js';
import { notificationsShown } from '../harness/ui-pages.js';

/** Rooms and the connection as a person in Chromium sees them; carol is a plain client. */
describe('the browser rooms and connection state', () => {
  let cluster: TestCluster;
  let browser: Browser;
  let carol: RingchatClient;
  let alice: Page;
  const carolSaw: Array<{ event: 'join' | 'leave' } & RoomEvent> = [];

  beforeAll(async () => {
    // Quick to notice a killed node: the direct-message test kills one.
    cluster = await startCluster({
      nodes: 3,
      nodeEnv: { MEMBER_TTL_MS: '2000', HEARTBEAT_INTERVAL_MS: '500' },
    });
    browser = await launchChromium();
    carol = await connectRingchat(cluster.url, 'carol');
    carol.on('join', (event) => carolSaw.push({ event: 'join', ...event }));
    carol.on('leave', (event) => carolSaw.push({ event: 'leave', ...event }));
    for (const room of ['alpha', 'beta', 'gamma']) await carol.join(room);
  });
  afterAll(async () => {
    carol?.close();
    await browser?.close();
    await cluster?.stop();
  });

  const joined = (page: Page) =>
    page.$$eval('#joined-rooms button[data-room]', (items) =>
      items.map((i) => (i as HTMLElement).dataset.room),
    );
  const others = (page: Page) =>
    page.$$eval('#all-rooms button[data-room]', (items) => items.map((i) => (i as HTMLElement).dataset.room));

  it('shows the rooms at once on sign-in, each once, the newest activity first, and filters them', async () => {
    // Polling only: the offline test below relies on requests failing.
    alice = await openPerson(browser, cluster.url, 'alice', { query: '?transport=polling' });
    // Well before the 5 s periodic refresh.
    await alice.waitForSelector('#all-rooms button[data-room="gamma"]', { timeout: 2500 });
    await alice.waitForSelector('#empty >> text=Join a room');
    await screenshot(alice, 'no-room-desktop-light');
    await expectAccessible(alice, 'no room yet');

    await joinRoom(alice, 'beta');
    await joinRoom(alice, 'alpha');
    await waitFor('beta out of the other rooms', async () => !(await others(alice)).includes('beta'));
    expect(await joined(alice)).toEqual(['alpha', 'beta']);
    expect(await others(alice)).toEqual(['gamma']);

    await carol.send('beta', 'news in beta');
    await alice.waitForSelector('#joined-rooms button[data-room="beta"] .badge');
    expect(await joined(alice)).toEqual(['beta', 'alpha']);

    await alice.fill('#room-filter', 'GAM');
    expect(await joined(alice)).toEqual([]);
    expect(await others(alice)).toEqual(['gamma']);
    await alice.fill('#room-filter', 'a');
    expect(await joined(alice)).toEqual(['beta', 'alpha']);
    await alice.fill('#room-filter', '');
  });

  it('leaves a room with a few seconds to undo', async () => {
    await alice.click('#joined-rooms button[data-room="beta"]');
    await alice.click('#joined-rooms .leave[aria-label="Leave alpha"]');
    await alice.waitForSelector('#toast >> text=You left # alpha.');
    expect(await joined(alice)).toEqual(['beta']);
    await screenshot(alice, 'leave-undo-desktop-light');
    await alice.click('#toast button.undo');
    expect(await joined(alice)).toEqual(['beta', 'alpha']);
    expect(await alice.isHidden('#toast')).toBe(true);

    // Left for real once the toast is gone: carol sees it then, and only once.
    await alice.click('#joined-rooms .leave[aria-label="Leave alpha"]');
    await waitFor('carol to see alice leave alpha', () =>
      carolSaw.some((e) => e.event === 'leave' && e.user === 'alice' && e.room === 'alpha'),
    );
    expect(await alice.isHidden('#toast')).toBe(true);
    expect(carolSaw.filter((e) => e.event === 'leave' && e.user === 'alice')).toHaveLength(1);
    await alice.waitForSelector('#all-rooms button[data-room="alpha"]');
  });

  it('says when it is offline and what waits to be sent, marks the cluster panel stale, then sends it', async () => {
    await alice.click('#joined-rooms button[data-room="beta"]');
    await alice.context().setOffline(true);
    await alice.waitForSelector('#banner >> text=You are offline.');
    await say(alice, 'written offline 1');
    await say(alice, 'written offline 2');
    await alice.waitForSelector('#banner >> text=2 messages waiting to send');
    await alice.waitForSelector('#cluster[data-stale=true] #cluster-stale');
    await screenshot(alice, 'offline-banner-desktop-light');
    await expectAccessible(alice, 'offline');

    await alice.context().setOffline(false);
    await alice.waitForSelector('#banner', { state: 'hidden', timeout: 15_000 });
    await alice.waitForSelector('#cluster[data-stale=false]');
    await waitFor(
      'carol to get both',
      () =>
        carol.rooms.get('beta')!.messages.filter((m) => m.message.startsWith('written offline')).length === 2,
    );
    const texts = await alice.$$eval('#messages li .text', (items) => items.map((i) => i.textContent));
    expect(texts.filter((t) => t?.startsWith('written offline'))).toEqual([
      'written offline 1',
      'written offline 2',
    ]);
  });

  it("opens a direct room from a member's name; the other sees it unread, each message once across a node's death", async () => {
    const bob = await openPerson(browser, cluster.url, 'bob', { recordNotifications: true });
    await bob.click('#enable-notifications');
    await joinRoom(bob, 'beta');
    await alice.click('#joined-rooms button[data-room="beta"]');
    await alice.click('#members button.member-name:has-text("bob")');
    await alice.waitForSelector('#direct-rooms button[data-direct-with="bob"][aria-current=true]');
    expect(await alice.textContent('#room-title')).toBe('@bob');
    await say(alice, 'psst, bob');

    await bob.waitForSelector('#direct-rooms button[data-direct-with="alice"] .badge >> text=1');
    expect(await notificationsShown(bob)).toEqual([{ title: 'alice (direct message)', body: 'psst, bob' }]);
    await screenshot(bob, 'direct-unread-desktop-light');

    // Bob's node dies while alice keeps writing to him.
    const victimId = (await bob.getAttribute('#status', 'data-node'))!;
    cluster.node(victimId).process.kill('SIGKILL');
    await bob
      .waitForSelector('#status:not([data-state=connected])', { timeout: 10_000 })
      .catch(() => undefined);
    for (const text of ['while you were away 1', 'while you were away 2']) await say(alice, text);
    await waitFor(
      'bob to be back on another node',
      async () =>
        (await bob.getAttribute('#status', 'data-state')) === 'connected' &&
        (await bob.getAttribute('#status', 'data-node')) !== victimId,
      20_000,
      200,
    );
    await bob.click('#direct-rooms button[data-direct-with="alice"]');
    await bob.waitForSelector('#messages li[data-user="alice"] >> text=while you were away 2');
    const texts = await bob.$$eval('#messages li .text', (items) => items.map((i) => i.textContent));
    expect(texts).toEqual(['psst, bob', 'while you were away 1', 'while you were away 2']);
    expect(await bob.textContent('#room-title')).toBe('@alice');
    await screenshot(bob, 'direct-conversation-desktop-light');
    await expectAccessible(bob, 'direct messages');

    // Left, the direct room comes back with the next message, counting only that one.
    await bob.click('#direct-rooms .leave');
    await bob.waitForSelector('#toast >> text=You left @alice.');
    await alice.waitForSelector('#messages li.event.left[data-user="bob"]', { timeout: 10_000 });
    await say(alice, 'are you there?');
    await bob.waitForSelector('#direct-rooms button[data-direct-with="alice"] .badge >> text=1', {
      timeout: 10_000,
    });
  });
});
