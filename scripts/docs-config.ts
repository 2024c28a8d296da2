// `npm run docs:config`: writes the README's configuration table from the settings
// table (apps/chat-node/src/config/settings.ts). A unit spec fails while they differ.
import { readFile, writeFile } from 'node:fs/promises';
import { withSettingsSection } from '../apps/chat-node/src/config/settings-markdown.js';

const README = new URL('../README.md', import.meta.url);

const before = await readFile(README, 'utf8');
const after = withSettingsSection(before);
if (after === before) {
  process.stdout.write('README.md: configuration table up to date\n');
} else {
  await writeFile(README, after);
  process.stdout.write('README.md: configuration table written\n');
}
