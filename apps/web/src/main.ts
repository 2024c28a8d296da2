import { ChatApp } from './app.js';
import { byId } from './dom.js';
import { nicknameProblem, remembered } from './names.js';

type Transport = 'polling' | 'websocket';

/** `?transport=polling` or `?transport=websocket` forces one transport. */
function forcedTransports(): Transport[] | undefined {
  const value = new URLSearchParams(location.search).get('transport');
  return value === 'polling' || value === 'websocket' ? [value] : undefined;
}

function enter(nickname: string): void {
  remembered.setNickname(nickname);
  byId('login').hidden = true;
  byId('app').hidden = false;
  void new ChatApp(nickname, forcedTransports()).start();
}

const form = byId<HTMLFormElement>('login-form');
const input = byId<HTMLInputElement>('nickname');
input.value = remembered.nickname();
byId('login').hidden = false;
form.addEventListener('submit', (event) => {
  event.preventDefault();
  const problem = nicknameProblem(input.value);
  byId('login-error').textContent = problem ?? '';
  if (!problem) enter(input.value.trim());
});
