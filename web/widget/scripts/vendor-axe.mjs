// Copies axe-core (the accessibility checker the browser tests inject) from node_modules into
// tests/browser/vendor/, with its licence, so the tests need neither Node nor the network.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const source = join(here, 'node_modules', 'axe-core');
const target = join(here, '..', '..', 'tests', 'browser', 'vendor');
const { version, license } = JSON.parse(readFileSync(join(source, 'package.json')));
mkdirSync(target, { recursive: true });
copyFileSync(join(source, 'axe.min.js'), join(target, 'axe.min.js'));
copyFileSync(join(source, 'LICENSE'), join(target, 'axe-core.LICENSE'));
copyFileSync(join(source, 'LICENSE-3RD-PARTY.txt'), join(target, 'axe-core.LICENSE-3RD-PARTY.txt'));
writeFileSync(
  join(target, 'README.md'),
  `# Vendored test tools\n\n- \`axe.min.js\`: axe-core ${version} (${license}), copied from npm by ` +
    '`npm run vendor-axe` in web/widget (version pinned in its package-lock.json). Licence: ' +
    '`axe-core.LICENSE`, bundled third-party notices: `axe-core.LICENSE-3RD-PARTY.txt`.\n',
);
console.log(`axe-core ${version} copied to ${target}`);
