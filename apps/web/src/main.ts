import { ChatApp } from './app.js';
import { byId } from './dom.js';
import { nicknameProblem, remembered } from './names.js';
import { setUpTheme } from './theme.js';

type Transport = 'polling' | 'websocket';

/** `?transport=polling` or `?transport=websocket` forces one transport. */
function forcedTransports(): Transport[] | undefined {
  const value = new URLSearchParams(location.search).get('transport');
  return value === 'polling' || value === 'websocket' ? [value] : undefined;
}

/**
 * jwt mode, for trying it out: `/#token=<jwt>` signs in with that token. The
 * fragment never reaches a server or its logs, and leaves the address bar at once.
 */
function tokenFromFragment(): string | undefined {
  const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? undefined;
  if (token) history.replaceState(null, '', location.pathname + location.search);
  return token;
}

function enter(signIn: { nickname: string } | { token: string }): void {
  if ('nickname' in signIn) remembered.setNickname(signIn.nickname);
  byId('login').hidden = true;
  byId('app').hidden = false;
  void new ChatApp(signIn, forcedTransports()).start();
}

setUpTheme();
const token = tokenFromFragment();
if (token) enter({ token });

const form = byId<HTMLFormElement>('login-form');
const input = byId<HTMLInputElement>('nickname');
input.value = remembered.nickname();
byId('login').hidden = token !== undefined;
form.addEventListener('submit', (event) => {
  event.preventDefault();
  const problem = nicknameProblem(input.value);
  byId('login-error').textContent = problem ?? '';
  if (!problem) enter({ nickname: input.value.trim() });
});
