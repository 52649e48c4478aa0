import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeFileAtomic } from './atomic-file.ts';

const run = promisify(execFile);

/** The parts of a resolved serverless config the local cloud deploys from. */
export interface ResolvedService {
  service: string;
  provider: {
    stage?: string;
    region?: string;
    memorySize?: number;
    timeout?: number;
    runtime?: string;
    environment?: Record<string, unknown>;
  };
  functions: Record<string, ResolvedFunction>;
  resources?: {
    Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
    Outputs?: Record<string, { Value: unknown }>;
  };
  stepFunctions?: { stateMachines?: Record<string, ResolvedStateMachine> };
}

export interface ResolvedFunction {
  handler: string;
  name?: string;
  memorySize?: number;
  timeout?: number;
  environment?: Record<string, unknown>;
  maximumRetryAttempts?: number;
  maximumEventAge?: number;
  reservedConcurrency?: number;
  runtime?: string;
  durableConfig?: { executionTimeout: number; retentionPeriodInDays?: number };
  destinations?: { onFailure?: unknown };
  events?: Array<Record<string, unknown>>;
}

export interface ResolvedStateMachine {
  name?: string;
  id?: string;
  type?: 'STANDARD' | 'EXPRESS';
  definition: unknown;
}

export interface ResolveOptions {
  stage: string;
  /** `--param` values, e.g. `{ type: 'EXPRESS' }`. */
  params?: Record<string, string>;
  cacheDir?: string;
}

const SLS = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../node_modules/osls/bin/serverless.js');

/**
 * The text of a service's serverless.yml and of every file it includes with `${file(...)}`
 * (the shared fragments in serverless/, a state machine definition), following includes of
 * includes: what `sls print` resolves, so what the cache key must cover.
 */
async function configSources(serviceDir: string): Promise<string[]> {
  const seen = new Set<string>();
  const texts: string[] = [];
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = await readFile(file, 'utf8').catch(() => '');
    texts.push(path.relative(serviceDir, file), text);
    // Paths in `${file(...)}` are relative to the service directory, wherever the include is.
    for (const [, ref] of text.matchAll(/\$\{file\(([^)]+)\)/g)) await visit(path.resolve(serviceDir, ref ?? ''));
  };
  await visit(path.join(serviceDir, 'serverless.yml'));
  return texts;
}

/**
 * The service's config as the Serverless Framework resolves it (`sls print`): variables, params
 * and stage applied, fragments included, CloudFormation intrinsics left for the deployer. Cached
 * by the content of the serverless.yml, the files it includes and the options, because the CLI
 * takes seconds to start.
 */
export async function resolveService(serviceDir: string, options: ResolveOptions): Promise<ResolvedService> {
  const sources = await configSources(serviceDir);
  const params = Object.entries(options.params ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const key = createHash('sha256')
    .update(JSON.stringify([sources, options.stage, params]))
    .digest('hex')
    .slice(0, 16);
  const cacheDir = options.cacheDir ?? path.resolve(serviceDir, '../../.local-cloud/resolved');
  const cacheFile = path.join(cacheDir, `${path.basename(serviceDir)}-${key}.json`);
  try {
    return JSON.parse(await readFile(cacheFile, 'utf8')) as ResolvedService;
  } catch {
    // not cached yet
  }
  const args = [
    SLS,
    'print',
    '--format',
    'json',
    '--stage',
    options.stage,
    ...params.map(([k, v]) => `--param=${k}=${v}`),
  ];
  const { stdout } = await run(process.execPath, args, {
    cwd: serviceDir,
    maxBuffer: 32 * 1024 * 1024,
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
  });
  const start = stdout.indexOf('{');
  if (start < 0) throw new Error(`sls print in ${serviceDir} printed no JSON:\n${stdout.slice(0, 2000)}`);
  const resolved = JSON.parse(stdout.slice(start)) as ResolvedService;
  await mkdir(cacheDir, { recursive: true });
  // Written aside and renamed: a process resolving the same service meanwhile reads all or nothing.
  await writeFileAtomic(cacheFile, JSON.stringify(resolved));
  return resolved;
}

/** Serverless's logical id of a function: `charge-payment` -> `ChargeDashpaymentLambdaFunction`. */
export function functionLogicalId(key: string): string {
  const normalized = key.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}LambdaFunction`;
}
