import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../local-cloud/cloud.ts';

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
export async function packageService(service: string, args: string[] = []): Promise<CfnTemplate> {
  const out = await mkdtemp(path.join(tmpdir(), `pkg-${service}-`));
  const source = path.join(PROJECT_ROOT, 'services', service);
  const copy = await mkdtemp(path.join(PROJECT_ROOT, 'services', `.package-${service}-`));
  try {
    await cp(source, copy, {
      recursive: true,
      filter: (file) => !/[\\/](\.esbuild|\.serverless|node_modules)([\\/]|$)/.test(`/${path.relative(source, file)}`),
    });
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
