import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../local-cloud/cloud.ts';
import { writeFileAtomic } from '../local-cloud/atomic-file.ts';

const run = promisify(execFile);

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: unknown;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown }>;
}

/**
 * `sls package` of a service, offline, into a temp dir; returns the CloudFormation template.
 * It packages a copy of the service folder beside it (same depth, so every relative path in the
 * config still resolves): serverless-esbuild empties the service's `.esbuild` folder when it
 * packages, which would pull the handlers from under a `sls offline` running there.
 */
export async function packageService(
  service: string,
  args: string[] = [],
  options: PackageOptions = {},
): Promise<CfnTemplate> {
  const code = options.code ?? true;
  // `sls package` takes seconds of CPU per service (the framework's start, a bundle and a zip per
  // function); the template is a function of its inputs, so it is kept by their hash, as the
  // resolved configs are (.local-cloud/resolved).
  const cacheFile = path.join(
    PROJECT_ROOT,
    '.local-cloud',
    'templates',
    `${service}-${code ? '' : 'template-'}${await packageInputsHash(service, args)}.json`,
  );
  const cached = await readFile(cacheFile, 'utf8').catch(() => undefined);
  if (cached !== undefined) return JSON.parse(cached) as CfnTemplate;
  const template = await packageUncached(service, args, code);
  await mkdir(path.dirname(cacheFile), { recursive: true });
  await writeFileAtomic(cacheFile, JSON.stringify(template));
  return template;
}

export interface PackageOptions {
  /**
   * Bundle and zip each function's code (serverless-esbuild), as `sls package` does; default true.
   * false packages the template alone: the framework's own packaging of the (tiny) service copy
   * instead of a bundle per function, without the offline plugins. The resources are the same
   * (test/templates/template-only.test.ts); only the artifacts' names and hashes differ. The main
   * job counts resources, so it needs no bundles: on a fresh clone that saves most of the 15-20 s
   * (2 cores) that packaging the five services costs.
   */
  code?: boolean;
}

/** Plugins the template does not depend on (bundling, and `sls offline`'s). */
const CODE_AND_OFFLINE_PLUGINS = /^\s*-\s*(serverless-esbuild|serverless-offline|local-cloud-plugin)\s*$/;

/**
 * A serverless.yml without the bundling and offline plugins; without its `plugins:` block when
 * none is left (the framework refuses an empty `modules` list).
 */
function withoutCodePlugins(text: string): string {
  const lines = text.split('\n').filter((line) => !CODE_AND_OFFLINE_PLUGINS.test(line));
  const start = lines.findIndex((line) => /^plugins:/.test(line));
  if (start < 0) return lines.join('\n');
  let end = start + 1;
  while (end < lines.length && (/^\s/.test(lines[end] ?? '') || lines[end] === '')) end++;
  const block = lines.slice(start + 1, end);
  if (block.some((line) => /^\s*-\s*\S/.test(line))) return lines.join('\n');
  return [...lines.slice(0, start), ...lines.slice(end)].join('\n');
}

/** Files whose content the packaged template depends on, besides the service's own folder. */
const PACKAGE_INPUTS = ['serverless', 'scripts/serverless', 'shared', 'package-lock.json'];

/**
 * A hash of everything `sls package` reads for a service: its folder (handlers, config, state
 * machine), the shared config fragments and plugins, the shared code its bundles hold, the locked
 * dependency versions (the framework's and the plugins'), and the CLI arguments.
 */
async function packageInputsHash(service: string, args: string[]): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify(args));
  const visit = async (relative: string): Promise<void> => {
    const full = path.join(PROJECT_ROOT, relative);
    const entries = await readdir(full, { withFileTypes: true }).catch(() => undefined);
    if (!entries) {
      hash.update(relative).update(await readFile(full).catch(() => Buffer.alloc(0)));
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (/^(\.esbuild|\.serverless|node_modules|\.package-.*)$/.test(entry.name)) continue;
      if (entry.name.startsWith('.offline.')) continue;
      await visit(path.join(relative, entry.name));
    }
  };
  for (const input of [path.join('services', service), ...PACKAGE_INPUTS]) await visit(input);
  return hash.digest('hex').slice(0, 16);
}

async function packageUncached(service: string, args: string[], code: boolean): Promise<CfnTemplate> {
  const out = await mkdtemp(path.join(tmpdir(), `pkg-${service}-`));
  const source = path.join(PROJECT_ROOT, 'services', service);
  const copy = await mkdtemp(path.join(PROJECT_ROOT, 'services', `.package-${service}-`));
  try {
    await cp(source, copy, {
      recursive: true,
      filter: (file) => !/[\\/](\.esbuild|\.serverless|node_modules)([\\/]|$)/.test(`/${path.relative(source, file)}`),
    });
    if (!code) {
      const config = path.join(copy, 'serverless.yml');
      await writeFile(config, withoutCodePlugins(await readFile(config, 'utf8')));
    }
    await run(
      process.execPath,
      [
        path.join(PROJECT_ROOT, 'node_modules/osls/bin/serverless.js'),
        'package',
        '--stage',
        'ci',
        '--package',
        out,
        ...args,
      ],
      {
        cwd: copy,
        env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return JSON.parse(
      await readFile(path.join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as CfnTemplate;
  } finally {
    await rm(out, { recursive: true, force: true });
    await rm(copy, { recursive: true, force: true });
  }
}

/**
 * Lines of orchestration code of a variant: its handlers, wiring (lib/) and state machine
 * definition, without blank lines and comments. The shared domain is excluded: it is the same
 * for all three.
 */
export async function orchestrationLoc(service: string): Promise<number> {
  const dir = path.join(PROJECT_ROOT, 'services', service);
  const files: string[] = [];
  for (const sub of ['handlers', 'lib']) {
    const entries = await readdir(path.join(dir, sub)).catch(() => [] as string[]);
    files.push(...entries.filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, sub, f)));
  }
  files.push(...(await readdir(dir)).filter((f) => /\.asl\.(json|ya?ml)$/.test(f)).map((f) => path.join(dir, f)));
  let lines = 0;
  for (const file of files) {
    let inBlock = false;
    for (const raw of (await readFile(file, 'utf8')).split('\n')) {
      const line = raw.trim();
      if (inBlock) {
        if (line.includes('*/')) inBlock = false;
        continue;
      }
      if (line.startsWith('/*')) {
        inBlock = !line.includes('*/');
        continue;
      }
      if (line === '' || line.startsWith('//') || line.startsWith('#')) continue;
      lines++;
    }
  }
  return lines;
}
