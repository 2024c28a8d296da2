import { describe, expect, it } from 'vitest';
import type { Setting } from './setting-types.js';
import { CROSS_FIELD_RULES, SETTINGS } from './settings.js';

describe('SETTINGS', () => {
  it.each(Object.values<Setting<unknown>>(SETTINGS).map((setting) => [setting.env, setting]))(
    '%s: its default is a value it accepts',
    (_env, setting) => {
      if (setting.fallback.kind !== 'value') return;
      const raw = String(setting.fallback.value);
      // A blank variable counts as unset: an empty default is what it stands for.
      if (raw === '') return;
      expect(setting.parse(raw)).toEqual(setting.fallback.value);
    },
  );

  it('blames every cross-field rule on a declared variable', () => {
    const names = Object.values(SETTINGS).map((setting) => setting.env);
    for (const rule of CROSS_FIELD_RULES) expect(names).toContain(rule.env);
  });

  it('derives ADVERTISE_URL from HOST and PORT, a dialable address for a wildcard HOST', () => {
    const { fallback } = SETTINGS.advertiseUrl;
    if (fallback.kind !== 'derived') throw new Error('ADVERTISE_URL should have a derived default');
    expect(fallback.raw({ host: '::', port: 9001 })).toBe('http://127.0.0.1:9001');
    expect(fallback.raw({ host: '10.0.0.5', port: 9001 })).toBe('http://10.0.0.5:9001');
    // PORT was bad and is reported already: nothing to derive.
    expect(fallback.raw({ host: '10.0.0.5' })).toBeUndefined();
  });
});
