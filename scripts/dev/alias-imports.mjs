// Rewrites relative imports that leave their top-level folder (or climb two levels) into the
// package.json `imports` aliases, so there is one way to import across the tree.
// Usage: node scripts/dev/alias-imports.mjs [files...]   (default: every tracked .ts file)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const ALIASES = [
  ['shared/domain/', '#domain/'],
  ['shared/adapters/', '#adapters/'],
  ['shared/observability/', '#observability/'],
  ['shared/api/', '#api/'],
  ['shared/data/', '#data/'],
  ['scripts/local-cloud/', '#cloud/'],
  ['scripts/lib/', '#lib/'],
  ['scripts/report/', '#report/'],
  ['scripts/measure/', '#measure/'],
  ['scripts/serverless/', '#serverless/'],
  ['services/', '#services/'],
  ['test/', '#test/'],
];
const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : execFileSync('git', ['ls-files', '*.ts'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
let changed = 0;
for (const file of files) {
  const abs = resolve(root, file);
  if (!existsSync(abs)) continue;
  const top = relative(root, abs).split('/')[0];
  const src = readFileSync(abs, 'utf8');
  const out = src.replace(
    /((?:from|import)\s*\(?\s*|unstable_mockModule\(\s*)'(\.\.?\/[^']+)'/g,
    (whole, lead, spec) => {
      const target = relative(root, resolve(dirname(abs), spec));
      const leaves = target.split('/')[0] !== top || spec.startsWith('../../');
      if (!leaves) return whole;
      const hit = ALIASES.find(([dir]) => target.startsWith(dir));
      if (!hit) return whole;
      let rest = target.slice(hit[0].length);
      if (hit[1] !== '#data/') rest = rest.replace(/\.ts$/, '');
      return `${lead}'${hit[1]}${rest}'`;
    },
  );
  if (out !== src) {
    writeFileSync(abs, out);
    changed++;
  }
}
console.log(`rewrote imports in ${changed} files`);
