import { randomUUID } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';

/**
 * A name beside `file` that no other writer uses: not another process, and not another call in
 * this one. Clouds started in parallel in one process (the drills, the stress matrix) write the
 * same cached file at the same moment, so a name made of the pid alone, or of the pid and the
 * millisecond, is shared: one writer renames it away and the other's rename fails with ENOENT.
 */
export function partialPathFor(file: string): string {
  return `${file}.${process.pid}.${randomUUID()}.tmp`;
}

/**
 * Writes `file` aside and renames it over the old one, so a reader (in this process or another)
 * sees the old content or the new, never half a file. A failed write leaves no partial file.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const partial = partialPathFor(file);
  try {
    await writeFile(partial, data);
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
