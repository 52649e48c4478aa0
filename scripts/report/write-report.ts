import { cpSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderHtml } from './render-html.ts';
import { renderMarkdown } from './render-markdown.ts';
import type { Report } from './types.ts';

export interface WrittenReport {
  dir: string;
  json: string;
  markdown: string;
  html: string;
  /** `<root>/latest`: a symlink to `dir`, or a copy of it where symlinks are not allowed. */
  latest: string;
}

/**
 * Writes `<root>/<timestamp>/report.{json,md,html}` and points `<root>/latest` at that folder.
 *
 * @example
 * const { html } = writeReport(buildReport(input)); // reports/2026-11-24T09-30-00-000Z/report.html
 */
export function writeReport(report: Report, root = 'reports'): WrittenReport {
  const dir = createRunDir(root, report.generatedAt);
  const files = {
    json: path.join(dir, 'report.json'),
    markdown: path.join(dir, 'report.md'),
    html: path.join(dir, 'report.html'),
  };
  writeFileSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(files.markdown, renderMarkdown(report));
  writeFileSync(files.html, renderHtml(report));
  return { dir, ...files, latest: pointLatestAt(root, dir) };
}

/** A new folder named after the report's time (colons are not allowed in Windows paths). */
function createRunDir(root: string, generatedAt: string): string {
  const stamp = generatedAt.replace(/:/g, '-').replace(/\./g, '-');
  for (let n = 0; ; n += 1) {
    const dir = path.join(root, n === 0 ? stamp : `${stamp}-${n}`);
    try {
      mkdirSync(dir, { recursive: false });
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') mkdirSync(root, { recursive: true });
      // Two runs in the same millisecond (tests do this) get suffixed folders, never one shared.
      else if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * Replaces `latest` atomically: a new symlink is made beside it and renamed over it, so a
 * reader never finds `latest` missing or half-written. A relative target keeps the folder
 * movable. Where symlinks fail (Windows without the privilege), `latest` becomes a copy.
 */
function pointLatestAt(root: string, dir: string): string {
  const latest = path.join(root, 'latest');
  const staging = path.join(root, `.latest-${process.pid}-${Date.now()}`);
  try {
    symlinkSync(path.basename(dir), staging, 'dir');
  } catch {
    cpSync(dir, staging, { recursive: true });
  }
  try {
    renameSync(staging, latest);
  } catch {
    // rename cannot replace a real directory (a previous copy): remove it, then move in.
    rmSync(latest, { recursive: true, force: true });
    renameSync(staging, latest);
  }
  return latest;
}
