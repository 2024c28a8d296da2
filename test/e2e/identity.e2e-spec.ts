import { mintToken } from '@app/identity';
import { SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import ioV2 from 'socket.io-client-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectChat,
  connectRingchat,
  launchChromium,
  nextEvent,
  useCluster,
  waitFor,
  waitForEvents,
  type ChatClient,
  type SessionInfo,
} from '../harness/index.js';

const WS_ONLY = { transports: ['websocket'] };

interface Line {
  room: string;
  user: string;
  userId: string;
  guest: boolean;
  message: string;
}
interface Members {
  members: Array<{ user: string; userId: string; guest: boolean }>;
}

/** A socket.io 2 client on /chat with these query parameters; resolves with its session, or the refusal. */
async function connectV2(
  url: string,
  query: Record<string, string>,
): Promise<{ session: SessionInfo; close(): void }> {
  const socket = ioV2(`${url}/chat`, {
    query,
    reconnection: false,
    forceNew: true,
    transports: ['websocket'],
  });
  try {
    const session = await new Promise<SessionInfo>((resolve, reject) => {
      socket.once('session', resolve);
      // A socket.io 2 client gets a refusal's data (its code) as the error.
      socket.once('error', (error: unknown) => reject(new Error(JSON.stringify(error))));
      setTimeout(() => reject(new Error('no session within 10 s')), 10_000);
    });
    return { session, close: () => socket.close() };
  } catch (error) {
    socket.close();
    throw error;
  }
}

describe('guest identities (AUTH_MODE=guest, the default)', () => {
  const fixture = useCluster({ nodes: 2 });
  const chat = async (user: string, options: Parameters<typeof connectChat>[2] = {}): Promise<ChatClient> => {
    const client = await connectChat(fixture.cluster.url, user, { ...WS_ONLY, ...options });
    fixture.clients.push(client);
    return client;
  };

  it('makes a second connection named alice someone else: its own id, two members, and its join shown', async () => {
    const alice = await chat('alice');
    await alice.join('secrets');
    const impostor = await chat('alice');
    expect(alice.session).toMatchObject({ user: 'alice', guest: true, userId: expect.stringMatching(/^g_/) });
    expect(impostor.session.userId).not.toBe(alice.session.userId);
    expect(impostor.session.guestToken).not.toBe(alice.session.guestToken);

    await impostor.join('secrets');
    await waitFor('alice to see the other alice join', () =>
      alice.events<Line>('join room').some((e) => e.userId === impostor.session.userId),
    );
    const { members } = await alice.request<Members>('members', { room: 'secrets' });
    expect(members.map((m) => m.userId).sort()).toEqual(
      [alice.session.userId, impostor.session.userId].sort(),
    );
    expect(members.map((m) => m.user)).toEqual(['alice', 'alice']);

    await impostor.request('chat message', { room: 'secrets', message: 'it is me, alice' });
    const [line] = await waitForEvents<Line>(alice, 'chat message', 1);
    expect(line).toMatchObject({ user: 'alice', userId: impostor.session.userId, guest: true });
  });

  it('gives a forged guest token a fresh identity', async () => {
    const victim = await chat('victim');
    const signature = victim.session.guestToken!.split('.')[1];
    const forgedSignature = await chat('victim', {
      auth: { user: 'victim', guest: `${victim.session.userId}.${'A'.repeat(signature.length)}` },
    });
    const otherId = await chat('victim', {
      auth: { user: 'victim', guest: `g_someoneelse1234.${signature}` },
    });
    for (const forger of [forgedSignature, otherId]) {
      expect(forger.session.userId).toMatch(/^g_/);
      expect(forger.session.userId).not.toBe(victim.session.userId);
      expect(forger.session.userId).not.toBe('g_someoneelse1234');
    }
  });

  it('keeps a guest who presents its token, on every node', async () => {
    const first = await chat('carol');
    await first.join('lounge');
    const token = first.session.guestToken!;
    const nodes = new Set<string>();
    for (let i = 0; i < 8 && nodes.size < 2; i++) {
      const again = await chat('carol', { auth: { user: 'carol', guest: token } });
      expect(again.session).toMatchObject({ userId: first.session.userId, guestToken: token });
      nodes.add(again.session.node);
      if (i === 0) {
        await again.join('lounge');
        const { members } = await first.request<Members>('members', { room: 'lounge' });
        expect(members.map((m) => m.userId)).toEqual([first.session.userId]);
      }
      again.close();
    }
    // Round robin over two nodes: each node honours the other's guests.
    expect(nodes.size).toBe(2);
    // Another tab of the same guest is no new member: nobody saw a second carol join.
    expect(first.events<Line>('join room').filter((e) => e.user === 'carol')).toHaveLength(1);
  });

  it('shows two guests named erin as two members, apart by id', async () => {
    const erin1 = await chat('erin');
    const erin2 = await chat('erin');
    await erin1.join('namesakes');
    await erin2.join('namesakes');
    await erin1.request('chat message', { room: 'namesakes', message: 'one' });
    await erin2.request('chat message', { room: 'namesakes', message: 'two' });
    const lines = await waitForEvents<Line>(erin1, 'chat message', 2);
    expect(lines.map((l) => [l.message, l.userId])).toEqual([
      ['one', erin1.session.userId],
      ['two', erin2.session.userId],
    ]);
    const { members } = await erin2.request<Members>('members', { room: 'namesakes' });
    expect(members).toHaveLength(2);
    expect(new Set(members.map((m) => m.userId)).size).toBe(2);
  });

  it('still lets a socket.io 2 client in with ?user=, as a guest that may keep its token', async () => {
    const vintage = await connectV2(fixture.cluster.url, { user: 'vintage' });
    fixture.clients.push(vintage);
    expect(vintage.session).toMatchObject({
      user: 'vintage',
      guest: true,
      userId: expect.stringMatching(/^g_/),
    });
    const again = await connectV2(fixture.cluster.url, {
      user: 'vintage',
      guest: vintage.session.guestToken!,
    });
    fixture.clients.push(again);
    expect(again.session.userId).toBe(vintage.session.userId);
  });

  describe('in the browser', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    /** Types into a field and presses Enter, as a person would. */
    async function submit(page: Page, field: string, value: string): Promise<void> {
      await page.fill(field, value);
      await page.press(field, 'Enter');
    }

    async function enter(page: Page, nickname: string, room: string): Promise<void> {
      await page.goto(`${fixture.cluster.url}/`);
      await submit(page, '#nickname', nickname);
      await page.waitForSelector('#status[data-state=connected]');
      await submit(page, '#room-name', room);
      await page.waitForSelector(`#joined-rooms button[data-room="${room}"][aria-current=true]`);
    }

    async function say(page: Page, text: string): Promise<void> {
      await submit(page, '#message', text);
      await page.waitForSelector(`#messages li.own:not(.pending) >> text=${text}`);
    }

    it('tags guests, tells two erins apart, and keeps a guest across a reload', async () => {
      // A context each: two people, two browsers' storage.
      const one = await (await browser.newContext()).newPage();
      const two = await (await browser.newContext()).newPage();
      await enter(one, 'erin', 'lobby');
      await enter(two, 'erin', 'lobby');
      await say(one, 'first erin here');
      await say(two, 'second erin here');

      await one.waitForSelector('#members li[data-user="erin"] >> nth=1');
      const labels = await one.$$eval('#members li[data-user="erin"]', (items) =>
        items.map((item) => ({
          id: item.getAttribute('data-user-id'),
          guest: item.querySelector('.guest-tag') !== null,
          suffix: item.querySelector('.id-suffix')?.textContent ?? '',
        })),
      );
      expect(labels).toHaveLength(2);
      expect(labels.every((label) => label.guest && label.suffix.startsWith(' #'))).toBe(true);
      expect(labels[0].suffix).not.toBe(labels[1].suffix);
      await one.waitForSelector('#messages li[data-user="erin"]:not(.own) .id-suffix');

      const ownId = await one.getAttribute('#messages li.own', 'data-user-id');
      await one.reload();
      // The page remembers the nickname; entering again presents the kept guest token.
      expect(await one.inputValue('#nickname')).toBe('erin');
      await one.press('#nickname', 'Enter');
      await one.waitForSelector('#status[data-state=connected]');
      await one.click('#joined-rooms button[data-room="lobby"]');
      // The message from before the reload is still this guest's own.
      await one.waitForSelector('#messages li.own >> text=first erin here');
      expect(await one.getAttribute('#messages li.own', 'data-user-id')).toBe(ownId);
      await one.context().close();
      await two.context().close();
    });
  });
});

const JWT_SECRET = 'identity-e2e-jwt-secret-0123456789abcdef';

describe('token identities (AUTH_MODE=jwt)', () => {
  const fixture = useCluster({ nodes: 2, nodeEnv: { AUTH_MODE: 'jwt', AUTH_JWT_SECRET: JWT_SECRET } });
  const token = (user: string, extra: { name?: string; ttlSeconds?: number; rooms?: string[] } = {}) =>
    mintToken({ secret: JWT_SECRET, user, ttlSeconds: 60, ...extra });
  const chat = async (auth: Record<string, unknown>): Promise<ChatClient> => {
    const client = await connectChat(fixture.cluster.url, 'ignored', { ...WS_ONLY, auth });
    fixture.clients.push(client);
    return client;
  };

  it('refuses a handshake without a token, with a bad one or with an expired one, each with its code', async () => {
    await expect(chat({ user: 'alice' })).rejects.toMatchObject({
      message: expect.stringMatching(/token is required/),
      data: { code: 'invalid_token' },
    });
    await expect(chat({ token: 'not.a.token' })).rejects.toMatchObject({ data: { code: 'invalid_token' } });
    const foreign = await mintToken({
      secret: 'someone-elses-secret-0123456789abcdef',
      user: 'alice',
      ttlSeconds: 60,
    });
    await expect(chat({ token: foreign })).rejects.toMatchObject({ data: { code: 'invalid_token' } });
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(JWT_SECRET));
    await expect(chat({ token: expired })).rejects.toMatchObject({ data: { code: 'token_expired' } });
  });

  it("takes the identity and name from the token and ignores the handshake's user", async () => {
    const client = await chat({ user: 'mallory', token: await token('alice', { name: 'Alice' }) });
    expect(client.session).toMatchObject({ user: 'Alice', userId: 'u_alice', guest: false });
    expect(client.session.guestToken).toBeUndefined();
    await client.join('tokens');
    await client.request('chat message', { room: 'tokens', message: 'signed' });
    const [line] = await waitForEvents<Line>(client, 'chat message', 1);
    expect(line).toMatchObject({ user: 'Alice', userId: 'u_alice', guest: false });
  });

  it('limits joins and resumes to the rooms of the rooms claim', async () => {
    const client = await chat({ token: await token('bounded', { rooms: ['general', 'team-*'] }) });
    expect(await client.request('join room', { room: 'general' })).toEqual({ ok: true });
    expect(await client.request('join room', { room: 'team-red' })).toEqual({ ok: true });
    expect(await client.request('join room', { room: 'secret' })).toEqual({
      error: 'your token does not allow room secret',
      code: 'forbidden',
    });
    expect(await client.request('resume', { rooms: { 'team-blue': null, secret: null } })).toMatchObject({
      code: 'forbidden',
    });
    const resumer = await chat({
      token: await token('bounded', { rooms: ['general'] }),
      rooms: { secret: null },
    });
    const [refusal] = await waitForEvents(resumer, 'error', 1);
    expect(refusal).toMatchObject({ event: 'resume', code: 'forbidden' });
  });

  it('warns before a token expires and closes the connection at its expiry, unless it was refreshed', async () => {
    const lapsing = await chat({ token: await token('lapsing', { ttlSeconds: 3 }) });
    const renewing = await chat({ token: await token('renewing', { ttlSeconds: 3 }) });
    await renewing.join('renewals');
    const [warning] = await nextEvent<[{ expiresAt: number }]>(renewing.socket, 'token expiring', 5000);
    expect(warning.expiresAt).toBe(renewing.session.expiresAt);
    const refused = await renewing.request('refresh token', { token: await token('someone-else') });
    expect(refused).toMatchObject({ code: 'invalid_token' });
    const renewed = await renewing.request<{ ok: true; expiresAt: number }>('refresh token', {
      token: await token('renewing', { ttlSeconds: 60 }),
    });
    expect(renewed.expiresAt).toBeGreaterThan(warning.expiresAt);

    await waitFor('the lapsing connection to close', () => lapsing.disconnects.length > 0, 6000);
    expect(lapsing.events('token expiring')).toHaveLength(1);
    expect(lapsing.events('error')).toEqual([
      expect.objectContaining({ code: 'token_expired', error: expect.stringMatching(/expired/) }),
    ]);
    expect(lapsing.disconnects).toEqual(['io server disconnect']);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, warning.expiresAt - Date.now() + 500)));
    expect(renewing.socket.connected).toBe(true);
    expect(await renewing.request('chat message', { room: 'renewals', message: 'still here' })).toMatchObject(
      {
        ok: true,
      },
    );
  });

  it('keeps a client that refreshes with getToken connected past its tokens', async () => {
    let minted = 0;
    const client = await connectRingchat(fixture.cluster.url, 'ignored', {
      getToken: () => {
        minted += 1;
        return token('keeper', { ttlSeconds: 3 });
      },
      io: { transports: ['websocket'] },
    });
    fixture.clients.push(client);
    const reconnects: string[] = [];
    client.on('session', (session) => reconnects.push(session.sid));
    const firstExpiry = client.session!.expiresAt!;
    await new Promise((resolve) => setTimeout(resolve, firstExpiry - Date.now() + 1000));
    expect(client.status).toBe('connected');
    // The same connection all along: refreshed, never closed and reopened.
    expect(reconnects).toEqual([]);
    expect(minted).toBeGreaterThanOrEqual(2);
    await client.join('kept');
  });

  it('signs the page in with a token from its address fragment', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${fixture.cluster.url}/#token=${await token('webby', { name: 'Web User' })}`);
      await page.waitForSelector('#status[data-state=connected]');
      // The name comes with the session event, just after the connection opens.
      await page.waitForFunction(() => document.querySelector('#me')?.textContent !== 'signing in…', null, {
        timeout: 10_000,
      });
      expect(await page.textContent('#me')).toBe('signed in as Web User');
      // The token leaves the address bar at once.
      expect(page.url()).not.toContain('token=');
    } finally {
      await browser.close();
    }
  });

  it('lets a socket.io 2 client in with ?token=', async () => {
    const vintage = await connectV2(fixture.cluster.url, {
      token: await token('vintage', { name: 'Old Timer' }),
    });
    fixture.clients.push(vintage);
    expect(vintage.session).toMatchObject({ user: 'Old Timer', userId: 'u_vintage', guest: false });
    await expect(connectV2(fixture.cluster.url, { user: 'vintage' })).rejects.toThrow(/invalid_token/);
  });
});
