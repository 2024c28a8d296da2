import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configHelp } from './config-help.js';
import { SETTING_DOCS } from './settings-docs.js';
import { settingsMarkdown, settingsSection } from './settings-markdown.js';

const README = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');

/** Variable → default as the table declares it ('required' when there is none). */
const DECLARED = new Map(SETTING_DOCS.map((doc) => [doc.env, doc.default ?? 'required']));

/** Variable → default as a README table row shows it. */
function readmeDefaults(section: string): Map<string, string> {
  const rows = section.split('\n').map((line) => /^\| `([A-Z0-9_]+)` \|.*\| (.+?) \|$/.exec(line));
  return new Map(rows.flatMap((row) => (row ? [[row[1], row[2].replace(/^`(.*)`$/, '$1')]] : [])));
}

/** Variable → default as `--help` shows it: a name line, then a line "default X; …" or "required; …". */
function helpDefaults(help: string): Map<string, string> {
  const defaults = new Map<string, string>();
  let current: string | undefined;
  for (const line of help.split('\n')) {
    const name = /^ {2}([A-Z][A-Z0-9_]+) {2,}/.exec(line);
    if (name) current = name[1];
    const detail = /^ {4,}(required|default (.+?));/.exec(line);
    if (current && detail && !defaults.has(current)) defaults.set(current, detail[2] ?? 'required');
  }
  return defaults;
}

describe('the settings table and its documents', () => {
  it('names each variable once', () => {
    expect(DECLARED.size).toBe(SETTING_DOCS.length);
  });

  it('is what README.md shows between the settings markers (npm run docs:config writes it)', () => {
    const section = settingsSection(README);
    expect(section, 'README.md lacks the settings markers').toBeDefined();
    expect(readmeDefaults(section!)).toEqual(DECLARED);
    expect(section).toBe(settingsMarkdown());
  });

  it('is what --help shows', () => {
    expect(helpDefaults(configHelp())).toEqual(DECLARED);
  });

  it('is read back by the parsers above, so a stale row fails', () => {
    const stale = settingsMarkdown().replace('| `3000` |', '| `3001` |');
    expect(readmeDefaults(stale).get('PORT')).toBe('3001');
    const missing = configHelp().replace(/^ {2}PORT .*$/m, '');
    expect(helpDefaults(missing).has('PORT')).toBe(false);
  });
});
