// Plain JavaScript (typed by remembered-keys.d.mts): the sls offline plugin, which is CommonJS and
// loads no TypeScript, shares it with the local cloud.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The keys a file remembers (what passed a check before), newest first; none if the file is
 * missing or not a JSON list.
 */
export function readKeys(file) {
  try {
    const list = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(list) ? list.filter((k) => typeof k === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Remembers `key` first in `file`, keeping at most `kept` keys. The file is read again just before
 * (another process may have added its own since: both stay) and written aside, then renamed, so a
 * reader never sees half a list. Only a cache: a failure to write is ignored, and what it would
 * have remembered is checked again next time.
 */
export function rememberKey(file, key, kept) {
  try {
    const keys = [key, ...readKeys(file).filter((k) => k !== key)].slice(0, kept);
    mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(keys));
    renameSync(temp, file);
  } catch {
    // Only a cache.
  }
}
