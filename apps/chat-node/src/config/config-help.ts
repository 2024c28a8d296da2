import { RULE_DOCS, SETTING_DOCS, type SettingDoc } from './settings-docs.js';

/** Where the description column starts, and the width its lines wrap at. */
const INDENT = 2 + Math.max(...SETTING_DOCS.map((doc) => doc.env.length)) + 2;
const WIDTH = 90;

/** Words of `text` in lines of at most `width` characters (a longer word stands alone). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width)
      lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** Two lines or more a variable: what it does, then its default and what it accepts. */
function helpRow(doc: SettingDoc): string {
  const detail = `${doc.default === undefined ? 'required' : `default ${doc.default}`}; ${doc.accepts}`;
  const lines = [...wrap(doc.help, WIDTH - INDENT), ...wrap(detail, WIDTH - INDENT)];
  return lines
    .map((line, index) => (index === 0 ? `  ${doc.env}`.padEnd(INDENT) : ' '.repeat(INDENT)) + line)
    .join('\n');
}

/** `--help` text: the variables, what they do, what they accept and their defaults. */
export function configHelp(): string {
  return `ringchat chat node: one member of a ringchat cluster.

Usage: NODE_ID=node1 CLUSTER_SECRET=... node <build>/main.js
Configured by environment variables (blank counts as unset):
${SETTING_DOCS.map(helpRow).join('\n')}
Across variables:
${RULE_DOCS.map((rule) => `  ${rule}`).join('\n')}
A bad or missing value stops the node with one line naming the variable (exit code 2).
`;
}
