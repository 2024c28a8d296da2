import { byId } from './dom.js';

const THEME_KEY = 'ringchat.theme';
type Theme = 'light' | 'dark';

/**
 * Light or dark: the system's choice (prefers-color-scheme) until the reader
 * picks one with the toggle, which this browser then remembers.
 */
export function setUpTheme(): void {
  const button = byId<HTMLButtonElement>('theme-toggle');
  const system = matchMedia('(prefers-color-scheme: dark)');
  const chosen = (): Theme | null => {
    const value = localStorage.getItem(THEME_KEY);
    return value === 'light' || value === 'dark' ? value : null;
  };
  const effective = (): Theme => chosen() ?? (system.matches ? 'dark' : 'light');
  const apply = (): void => {
    const theme = effective();
    document.documentElement.dataset.theme = theme;
    button.setAttribute('aria-pressed', String(theme === 'dark'));
    button.textContent = theme === 'dark' ? '☀' : '☾';
  };
  button.addEventListener('click', () => {
    localStorage.setItem(THEME_KEY, effective() === 'dark' ? 'light' : 'dark');
    apply();
  });
  system.addEventListener('change', apply);
  apply();
}
