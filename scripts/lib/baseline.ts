import { fork } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import type { LocalCloud } from '../local-cloud/cloud.ts';
import type { VariantRun } from '../report/types.ts';
import type { BaselineJob, BaselineReply, BaselineResult } from './baseline-process.ts';
import type { WorkloadOrder } from './workload.ts';
import { writeFileAtomic } from '../local-cloud/atomic-file.ts';

export interface BaselineOptions {
  concurrency: number;
  seed: number;
  /**
   * Threads of the baseline process the lanes are spread over (never more than the lanes). Default `defaultThreads()`.
   */
  threads?: number;
  /** Orders each thread runs over tables of its own before the clock starts. Default `WARM_UP.orders`. */
  warmUpOrders?: number;
}

/** The baseline run, and where it ran (a process of its own, gone by the time this resolves). */
export interface BaselineMeasurement {
  run: VariantRun;
  pid: number;
  threads: number;
  /** CPU time the baseline process spent while its clock ran (all threads). */
  cpuMs: number;
}

/**
 * Every core but one, the one the local cloud's DynamoDB emulator (dynalite, one thread) needs;
 * at least one. Measured on 2 cores (issue 17): one thread is as fast as two up to 10 lanes and
 * faster at 50, where the emulator, not the lanes' JavaScript, is what the cores run short of, and
 * a second isolate only adds its own overhead. With more cores the lanes' SDK work (about twice
 * the emulator's CPU per order) is spread, so the baseline is never bound to one core where the
 * variants' handlers, in worker threads over every core, are not.
 */
export function defaultThreads(cores = availableParallelism()): number {
  return Math.max(1, cores - 1);
}

/**
 * Each thread first runs the workload's first orders (at most `orders`, for at most `maxMs`) over
 * tables of its own: a fresh process is measurably slower for its first few thousand SDK calls,
 * and the lower bound must not carry a cost the long-running variants have already paid.
 */
export const WARM_UP = { orders: 200, maxMs: 3000 } as const;

/**
 * The lower bound: the same steps over the same DynamoDB adapters and simulated providers, called
 * one after another, with no queue, bus or state machine between them. Every variant's overhead
 * is measured against it. It runs in a process of its own (see `baseline-process.ts`), against
 * the local cloud's DynamoDB, at the variants' concurrency, so nothing else shares its event loop.
 */
export async function runBaseline(
  cloud: LocalCloud,
  orders: readonly WorkloadOrder[],
  concurrency: number,
  seed: number,
): Promise<VariantRun> {
  return (await measureBaseline(cloud, orders, { concurrency, seed })).run;
}

/** `runBaseline`, telling also which process and how many threads ran it. */
export async function measureBaseline(
  cloud: LocalCloud,
  orders: readonly WorkloadOrder[],
  options: BaselineOptions,
): Promise<BaselineMeasurement> {
  const prefix = `baseline-${Date.now().toString(36)}`;
  const result = await runInOwnProcess(await bundleBaselineProcess(path.join(cloud.workDir, 'build')), {
    awsConfig: cloud.awsConfig,
    tables: { orders: `${prefix}-orders`, inventory: `${prefix}-inventory`, ledger: `${prefix}-ledger` },
    seed: options.seed,
    concurrency: options.concurrency,
    threads: options.threads ?? defaultThreads(),
    warmUpOrders: options.warmUpOrders ?? WARM_UP.orders,
    warmUpMaxMs: WARM_UP.maxMs,
    commands: orders.map((o) => o.command),
    reviews: Object.fromEntries(orders.flatMap((o) => (o.review ? [[o.command.orderId, o.review.decision]] : []))),
  });
  return {
    pid: result.pid,
    threads: result.threads,
    cpuMs: result.cpuMs,
    run: {
      name: 'baseline',
      orders: result.records.map((r) => ({
        orderId: r.orderId,
        acceptedAtMs: Date.parse(r.createdAt),
        ...(r.terminalAt ? { terminalAtMs: Date.parse(r.terminalAt) } : {}),
        status: r.status,
        ...(r.reason ? { reason: r.reason } : {}),
        timeline: r.timeline,
      })),
      counts: result.counts,
      wallClockMs: result.wallClockMs,
      templateResources: 0,
      orchestrationLoc: 0,
      invariantViolations: result.invariantViolations,
    },
  };
}

const bundles = new Map<string, Promise<string>>();

/** Bundles the baseline process into one self-contained file (bundled once per build dir). */
function bundleBaselineProcess(buildDir: string): Promise<string> {
  const outfile = path.join(buildDir, '_baseline-process.mjs');
  let bundled = bundles.get(outfile);
  if (!bundled) {
    bundled = (async () => {
      await mkdir(buildDir, { recursive: true });
      const { outputFiles } = await build({
        entryPoints: [new URL('./baseline-process.ts', import.meta.url).pathname],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node22',
        logLevel: 'error',
        write: false,
        // The SDK's CommonJS parts call require(); an ES module has none unless we make one.
        banner: {
          js:
            "import { createRequire as __baselineRequire } from 'node:module'; const require = " +
            '__baselineRequire(import.meta.url);',
        },
      });
      // Written aside, then renamed: another run sharing the work dir never loads half a file.
      await writeFileAtomic(outfile, outputFiles[0]!.contents);
      return outfile;
    })();
    bundled.catch(() => bundles.delete(outfile));
    bundles.set(outfile, bundled);
  }
  return bundled;
}

/**
 * Starts the bundle with plain node (no loader: execArgv empty, and no loader slipped in through
 * NODE_OPTIONS), sends the job, and resolves with the result once the process has exited.
 */
function runInOwnProcess(bundle: string, job: BaselineJob): Promise<BaselineResult> {
  const { NODE_OPTIONS: _loaders, ...env } = process.env;
  const child = fork(bundle, [], {
    execPath: process.execPath,
    execArgv: [],
    env: { ...env, ORDER_PIPELINES_BASELINE_PROCESS: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let reply: BaselineReply | undefined;
    child.on('message', (message: BaselineReply) => (reply = message));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (reply?.type === 'result') resolve(reply.result);
      else if (reply?.type === 'error') {
        reject(
          Object.assign(
            new Error(`baseline process failed: ${reply.message}`),
            reply.stack ? { stack: reply.stack } : {},
          ),
        );
      } else reject(new Error(`baseline process exited (${signal ?? `code ${code}`}) before reporting`));
    });
    child.send(job);
  });
}
