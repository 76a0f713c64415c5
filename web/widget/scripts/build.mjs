// Builds dist/clinic-chat.js: our loader plus deep-chat in ONE self-contained file, and
// dist/THIRD-PARTY-LICENSES.txt with the licences of the code bundled into it.
// Run with `npm ci && npm run build`; the output is committed so the server needs no Node.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const pkg = (name) => JSON.parse(readFileSync(join(here, 'node_modules', name, 'package.json')));
// Packages whose code ends up in the bundle (deep-chat's bundle inlines the other three).
const bundled = ['deep-chat', 'remarkable', 'speech-to-element', '@microsoft/fetch-event-source'];

const banner =
  '/*! clinic-chat widget. Bundles ' +
  bundled.map((name) => `${name}@${pkg(name).version} (${pkg(name).license})`).join(', ') +
  '. Licences: THIRD-PARTY-LICENSES.txt beside this file. */';

mkdirSync(join(here, 'dist'), { recursive: true });
await build({
  entryPoints: [join(here, 'src', 'clinic-chat.js')],
  outfile: join(here, 'dist', 'clinic-chat.js'),
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  legalComments: 'none',
  banner: { js: banner },
  logLevel: 'info',
});

function licenceText(name) {
  for (const file of ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license']) {
    try {
      return readFileSync(join(here, 'node_modules', name, file), 'utf8').trim();
    } catch {
      /* try the next name */
    }
  }
  const p = pkg(name);
  return `${p.license} licence (declared in its package.json; the package ships no licence file). Author: ${
    typeof p.author === 'object' ? p.author.name : p.author || 'see package'
  }`;
}

const notices = bundled
  .map((name) => `${'='.repeat(72)}\n${name}@${pkg(name).version}\n${'='.repeat(72)}\n${licenceText(name)}\n`)
  .join('\n');
writeFileSync(
  join(here, 'dist', 'THIRD-PARTY-LICENSES.txt'),
  `Third-party code bundled into clinic-chat.js\n\n${notices}`,
);
