import { RULE_DOCS, SETTING_DOCS, type SettingDoc } from './settings-docs.js';

/** The README's generated part stands between these lines. */
export const SETTINGS_START = '<!-- settings:start -->';
export const SETTINGS_END = '<!-- settings:end -->';

/** Cell text: a `|` would end the cell. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

/** Variable names in prose, as code. */
function codeNames(text: string): string {
  return text.replace(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g, (name) => `\`${name}\``);
}

function markdownRow(doc: SettingDoc): string {
  const fallback = doc.default === undefined ? 'required' : `\`${doc.default}\``;
  return `| \`${doc.env}\` | ${cell(doc.help)} | ${cell(doc.accepts)} | ${cell(fallback)} |`;
}

/** The README's configuration table and rules, made from SETTINGS. */
export function settingsMarkdown(): string {
  return [
    '| Variable | Meaning | Accepts | Default |',
    '| --- | --- | --- | --- |',
    ...SETTING_DOCS.map(markdownRow),
    '',
    `Across variables: ${RULE_DOCS.map(codeNames).join('; ')}.`,
  ].join('\n');
}

/** Where the generated part starts and ends in `readme`, or undefined without both markers. */
function sectionBounds(readme: string): { start: number; end: number } | undefined {
  const marker = readme.indexOf(SETTINGS_START);
  const end = readme.indexOf(SETTINGS_END, marker);
  return marker < 0 || end < 0 ? undefined : { start: marker + SETTINGS_START.length, end };
}

/** What stands between the markers, or undefined when they are missing. */
export function settingsSection(readme: string): string | undefined {
  const bounds = sectionBounds(readme);
  return bounds && readme.slice(bounds.start, bounds.end).trim();
}

/** `readme` with the part between the markers made anew. */
export function withSettingsSection(readme: string): string {
  const bounds = sectionBounds(readme);
  if (!bounds) throw new Error(`no ${SETTINGS_START} ... ${SETTINGS_END} section`);
  return `${readme.slice(0, bounds.start)}\n${settingsMarkdown()}\n${readme.slice(bounds.end)}`;
}
