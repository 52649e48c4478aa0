/**
 * Finds the conformance suites, starts a fresh local cloud (free ports, only the services the
 * suites name), runs every case and scores each suite. Used by `npm run conformance` and its test.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type LocalCloud, startLocalCloud } from '#cloud/cloud';
import { LOCAL_REGION } from '#cloud/types';
import type { ConformanceCase, ConformanceContext, ConformanceSuite } from './types.ts';

export const SUITES_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), 'suites');

/** Emulators the local cloud starts on demand; DynamoDB, SQS and Lambda always run. */
const OPTIONAL_SERVICES = ['eventbridge', 'stepfunctions', 'scheduler'] as const;

/** A case that neither resolves nor throws in this long has hung: it counts as failed. */
const CASE_TIMEOUT_MS = 60_000;

export interface CaseFailure {
  name: string;
  source: string;
  message: string;
}

export interface SuiteScore {
  suite: string;
  passed: number;
  total: number;
  failures: CaseFailure[];
}

export interface RunOptions {
  /** Only these suites (by name); all when absent. */
  only?: string[];
  /** Cases of one suite run this many at a time (each case keeps to its own resources). */
  concurrency?: number;
}

/** Every `suites/<name>.ts` module's exported `suite`, sorted by name. */
export async function discoverSuites(dir = SUITES_DIR): Promise<ConformanceSuite[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts')).sort();
  const suites: ConformanceSuite[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(path.join(dir, file)).href)) as { suite?: ConformanceSuite };
    if (!module.suite) throw new Error(`${path.join(dir, file)} does not export \`suite\``);
    suites.push(module.suite);
  }
  return suites;
}

/** Starts the local cloud, runs the suites, stops the cloud; resolves with one score per suite. */
export async function runConformance(suites: ConformanceSuite[], options: RunOptions = {}): Promise<SuiteScore[]> {
  const selected = options.only ? suites.filter((suite) => options.only!.includes(suite.name)) : suites;
  const unknown = (options.only ?? []).filter((name) => !suites.some((suite) => suite.name === name));
  if (unknown.length > 0) throw new Error(`no conformance suite named ${unknown.join(', ')}`);
  const workDir = await mkdtemp(path.join(tmpdir(), 'conformance-'));
  let cloud: LocalCloud | undefined;
  try {
    cloud = await startLocalCloud({
      ports: { dynamodb: 0, sqs: 0, eventbridge: 0, stepfunctions: 0, lambda: 0 },
      optional: OPTIONAL_SERVICES.filter((service) => selected.some((suite) => suite.services.includes(service))),
      workDir,
    });
    const context: ConformanceContext = { endpoints: liveEndpoints(cloud), region: LOCAL_REGION };
    const scores: SuiteScore[] = [];
    for (const suite of selected) scores.push(await runSuite(suite, context, options.concurrency ?? 8));
    return scores;
  } finally {
    await cloud?.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

function liveEndpoints(cloud: LocalCloud): Record<string, string> {
  return Object.fromEntries(Object.entries(cloud.endpoints).filter(([, url]) => url !== ''));
}

async function runSuite(
  suite: ConformanceSuite,
  context: ConformanceContext,
  concurrency: number,
): Promise<SuiteScore> {
  const missing = suite.services.filter((service) => !context.endpoints[service]);
  const failures: CaseFailure[] = [];
  if (missing.length > 0) {
    for (const testCase of suite.cases) {
      failures.push({ ...identify(testCase), message: `the local cloud has no ${missing.join(', ')} endpoint` });
    }
  } else {
    let next = 0;
    const worker = async () => {
      while (next < suite.cases.length) {
        const testCase = suite.cases[next++]!;
        const message = await runCase(testCase, context);
        if (message !== undefined) failures.push({ ...identify(testCase), message });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  }
  const order = new Map(suite.cases.map((testCase, index) => [testCase.name, index]));
  failures.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  return { suite: suite.name, passed: suite.cases.length - failures.length, total: suite.cases.length, failures };
}

/** Undefined when the case passed, else why it failed. */
async function runCase(testCase: ConformanceCase, context: ConformanceContext): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no verdict within ${CASE_TIMEOUT_MS / 1000} s`)), CASE_TIMEOUT_MS);
  });
  try {
    await Promise.race([testCase.run(context), timeout]);
    return undefined;
  } catch (error) {
    return error instanceof Error
      ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`
      : String(error);
  } finally {
    clearTimeout(timer);
  }
}

function identify(testCase: ConformanceCase): Pick<CaseFailure, 'name' | 'source'> {
  return { name: testCase.name, source: testCase.source };
}

/** The report `npm run conformance` prints: a score line per suite, then its failures. */
export function formatScores(scores: SuiteScore[]): string {
  const width = Math.max(...scores.map((score) => score.suite.length), 5);
  const lines: string[] = [];
  for (const score of scores) {
    lines.push(`${score.suite.padEnd(width)}  ${score.passed}/${score.total}`);
    for (const failure of score.failures) {
      lines.push(`  FAIL ${failure.name}`, `       ${failure.message}`, `       (${failure.source})`);
    }
  }
  const passed = scores.reduce((sum, score) => sum + score.passed, 0);
  const total = scores.reduce((sum, score) => sum + score.total, 0);
  lines.push(`${'total'.padEnd(width)}  ${passed}/${total}`);
  return lines.join('\n');
}
