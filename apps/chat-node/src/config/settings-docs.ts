import type { Setting } from './setting-types.js';
import { CROSS_FIELD_RULES, SETTINGS } from './settings.js';

/** One variable as `--help` and the README show it. */
export interface SettingDoc {
  env: string;
  help: string;
  accepts: string;
  /** The default as text; undefined for a required variable. */
  default: string | undefined;
}

function defaultText(setting: Setting<unknown>): string | undefined {
  const { fallback } = setting;
  if (fallback.kind === 'required') return undefined;
  return fallback.kind === 'value' ? (fallback.text ?? String(fallback.value)) : fallback.text;
}

/** Every variable, in the table's order. */
export const SETTING_DOCS: readonly SettingDoc[] = Object.values(SETTINGS).map((setting) => ({
  env: setting.env,
  help: setting.help,
  accepts: setting.accepts,
  default: defaultText(setting),
}));

/** The rules between variables, one sentence each. */
export const RULE_DOCS: readonly string[] = CROSS_FIELD_RULES.map(
  (rule) => `${rule.env} must be ${rule.accepts}`,
);
