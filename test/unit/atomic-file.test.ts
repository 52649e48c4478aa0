/**
 * The local cloud's cached files (the fauxqs bundle, resolved services, packaged templates, the
 * baseline bundle, the Scheduler's state) are written aside and renamed. Clouds started in
 * parallel in one process write the same file at the same moment; every writer must succeed and
 * a reader must see one whole version.
 */
import { afterEach, beforeEach, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '#cloud/atomic-file';
import { loadFauxqs } from '#cloud/fauxqs-bundle';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'atomic-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('lets many writers in one process write the same file at once, and keeps one whole version', async () => {
  const file = path.join(dir, 'state.json');
  const versions = Array.from({ length: 50 }, (_, i) => JSON.stringify({ writer: i, padding: 'x'.repeat(10_000) }));
  await Promise.all(versions.map((content) => writeFileAtomic(file, content)));
  expect(versions).toContain(readFileSync(file, 'utf8'));
  expect(readdirSync(dir)).toEqual(['state.json']);
});

it('builds the fauxqs bundle once for clouds that start together in a new work dir', async () => {
  const loads = await Promise.all(Array.from({ length: 5 }, () => loadFauxqs(dir)));
  expect(new Set(loads).size).toBe(1);
  expect(typeof loads[0]).toBe('function');
  expect(readdirSync(path.join(dir, 'bundles'))).toEqual([expect.stringMatching(/^fauxqs-[0-9a-f]{12}\.mjs$/)]);
  const sqs = await loads[0]!({ port: 0, logger: false });
  await sqs.stop();
});
