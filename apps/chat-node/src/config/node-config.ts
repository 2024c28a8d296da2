import { redactedUrl } from '@app/redis';
import { PROFILE_ONLY_DEFAULTS, PROFILE_SETTINGS, type ProfileOnlySettings } from './profiles.js';
import type { Setting } from './setting-types.js';
import { CROSS_FIELD_RULES, SETTINGS, type EnvSettings } from './settings.js';

/** Everything a node reads from its environment, validated: SETTINGS says what each field is. */
export type NodeConfig = EnvSettings & ProfileOnlySettings;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Validates the environment. Throws one ConfigError naming every bad or missing
 * variable, so a misconfigured node fails once, clearly, before it opens anything.
 */
export function loadNodeConfig(env: Env): NodeConfig {
  const problems: string[] = [];
  const problem = (name: string, accepts: string, got = given(env, name)): void => {
    problems.push(`${name} must be ${accepts} (${got})`);
  };
  const readSoFar: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries<Setting<unknown>>(SETTINGS)) {
    const outcome = readSetting(setting, env, readSoFar);
    if (outcome === 'bad') problem(setting.env, setting.accepts);
    else if (outcome !== 'skipped') readSoFar[key] = outcome.value;
  }
  // Keys are SETTINGS' keys, each with the type its own parser returned.
  const read = readSoFar as Partial<EnvSettings>;
  for (const rule of CROSS_FIELD_RULES) {
    const violation = rule.violation(read);
    if (violation !== undefined) problem(rule.env, rule.accepts, violation);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  // Without problems every setting has its value.
  const settings = read as EnvSettings;
  return { ...settings, ...PROFILE_ONLY_DEFAULTS, ...PROFILE_SETTINGS[settings.profile] };
}

/** `skipped`: a variable its default derives from was bad, and is reported already. */
type Outcome<T> = { value: T } | 'bad' | 'skipped';

function readSetting<T>(setting: Setting<T>, env: Env, readSoFar: Record<string, unknown>): Outcome<T> {
  const { fallback } = setting;
  let raw = env[setting.env]?.trim();
  if (!raw) {
    if (fallback.kind === 'value') return { value: fallback.value };
    if (fallback.kind === 'required') return 'bad';
    raw = fallback.raw(readSoFar);
    if (raw === undefined) return 'skipped';
  }
  const value = setting.parse(raw);
  return value === undefined ? 'bad' : { value };
}

function given(env: Env, name: string): string {
  const value = env[name];
  return value === undefined || value.trim() === ''
    ? 'it is not set'
    : `got ${JSON.stringify(redactedUrl(value))}`;
}

const SECRET_KEYS = new Set(
  Object.entries(SETTINGS)
    .filter(([, setting]) => setting.secret)
    .map(([key]) => key),
);

/**
 * Secrets are never logged, nor passwords inside URLs (REDIS_URL); everything
 * else is, to make a start-up traceable.
 */
export function describeConfig(config: NodeConfig): string {
  return Object.entries(config)
    .filter(([key]) => !SECRET_KEYS.has(key))
    .map(([key, value]) => `${key}=${redactedUrl(String(value))}`)
    .join(' ');
}
