import { publicKeyPemOf } from './public-key.js';
import type { Fallback, Setting } from './setting-types.js';

/** What every kind of entry takes. Neither `default` nor `derivedDefault`: the variable is required. */
interface EntryOptions<T> {
  env: string;
  help: string;
  default?: T;
  /** How the docs show `default`, when `String(default)` would not say it. */
  defaultText?: string;
  derivedDefault?: {
    text: string;
    raw: (readSoFar: Readonly<Record<string, unknown>>) => string | undefined;
  };
  secret?: boolean;
}

function entry<T>(
  options: EntryOptions<T>,
  accepts: string,
  parse: (raw: string) => T | undefined,
): Setting<T> {
  return {
    env: options.env,
    help: options.help,
    accepts,
    fallback: fallbackOf(options),
    secret: options.secret ?? false,
    parse,
  };
}

function fallbackOf<T>({ default: value, defaultText, derivedDefault }: EntryOptions<T>): Fallback<T> {
  if (value !== undefined) return { kind: 'value', value, text: defaultText };
  if (derivedDefault) return { kind: 'derived', ...derivedDefault };
  return { kind: 'required' };
}

/** A whole number from `min` to `max`, digits only (no sign, no exponent). */
export function integer(options: EntryOptions<number> & { min: number; max: number }): Setting<number> {
  const { min, max } = options;
  return entry(options, `a whole number from ${min} to ${max}`, (raw) => {
    const parsed = /^\d+$/.test(raw) ? Number(raw) : NaN;
    return Number.isSafeInteger(parsed) && parsed >= min && parsed <= max ? parsed : undefined;
  });
}

/** One of a few words, in any case. */
export function oneOf<const Choice extends string>(
  options: EntryOptions<Choice> & { choices: readonly Choice[] },
): Setting<Choice> {
  const { choices } = options;
  return entry(options, `one of ${choices.join(', ')}`, (raw) => {
    const lower = raw.toLowerCase();
    return choices.find((choice) => choice === lower);
  });
}

/** A string matching `pattern`; `accepts` says in words what the pattern allows. */
export function text(options: EntryOptions<string> & { pattern: RegExp; accepts: string }): Setting<string> {
  const { pattern } = options;
  return entry(options, options.accepts, (raw) => (pattern.test(raw) ? raw : undefined));
}

/**
 * A URL with one of `protocols` (`redis:`, `http:`…). `originOnly`: scheme, host
 * and port only, returned without a trailing slash.
 */
export function url(
  options: EntryOptions<string> & { protocols: readonly string[]; originOnly?: boolean },
): Setting<string> {
  const { protocols, originOnly = false } = options;
  const schemes = protocols.map((protocol) => `${protocol}//`).join(' or ');
  const accepts = `a URL starting with ${schemes}${originOnly ? ', without a path' : ''}`;
  return entry(options, accepts, (raw) => {
    const parsed = URL.canParse(raw) ? new URL(raw) : undefined;
    if (!parsed || !protocols.includes(parsed.protocol)) return undefined;
    if (!originOnly) return raw;
    const hasPath = parsed.pathname.length > 1 || parsed.search !== '';
    return hasPath ? undefined : raw.replace(/\/+$/, '');
  });
}

/**
 * Comma-separated web origins (`https://chat.example.com`), each normalised to
 * scheme://host[:port]; `*` alone for any origin.
 */
export function originList(options: EntryOptions<readonly string[]>): Setting<readonly string[]> {
  const accepts = 'comma-separated origins such as https://chat.example.com (no path), or *';
  return entry(options, accepts, (raw) => {
    const items = raw.split(',').map((item) => item.trim());
    if (items.length === 1 && items[0] === '*') return ['*'];
    const origins = items.map((item) => {
      const parsed = URL.canParse(item) ? new URL(item) : undefined;
      const plain = parsed && ['http:', 'https:'].includes(parsed.protocol) && parsed.pathname === '/';
      return plain && !parsed.search && !parsed.username ? parsed.origin : undefined;
    });
    return origins.every((origin) => origin !== undefined) ? origins : undefined;
  });
}

/**
 * A public key in PEM: the PEM itself (`\n` for its line breaks) or a file's
 * path. The value stays as given (one line in logs); publicKeyPemOf reads it.
 */
export function publicKey(options: EntryOptions<string>): Setting<string> {
  const accepts = 'a PEM public key (RSA or P-256), inline with \\n line breaks or the path of a PEM file';
  return entry(options, accepts, (raw) => (publicKeyPemOf(raw) === undefined ? undefined : raw));
}
