/**
 * `npm run bench:offline [-- --runs N --variants a,b --breakdown --installed-caches]`: how long `sls offline start`
 * takes, in each service folder, from the command to the first `202` of `POST /orders`, as a user
 * runs it (`npx sls offline start --stage local`), N times per variant; prints the median, the
 * range and the CPU the process used (Linux), with the machine's load average before and after.
 *
 * The first run of a variant starts with an empty local-cloud directory (what a start pays when
 * nothing is cached: bundles built, caches filled); the median is of the runs after it. With
 * `--installed-caches` every run starts in the project's own `.local-cloud/` instead, so on a fresh
 * clone the first run is a user's first start after `npm install` (which warms those caches:
 * scripts/warm-offline.ts). `--breakdown` adds where the time goes, warm starts' median beside the
 * first start, from the framework's own debug lines and the local-cloud plugin's: framework start,
 * plugins loaded, configuration validated, the `offline:start` hooks (bundling, local cloud,
 * serverless-offline), the first request.
 *
 * These are figures from one machine at one moment: on a shared, busy machine they measure the
 * queue for the CPU as much as the start. Compare them in one run, or on a quiet machine.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { VARIANTS, parseVariantList, serviceDir, type Variant } from './lib/variants.ts';
import { parseCliArgs } from './lib/cli-args.ts';
import { spawnSlsOffline } from './lib/sls-offline-process.ts';

const { values } = parseCliArgs('bench:offline', {
  args: process.argv.slice(2),
  options: {
    runs: { type: 'string' },
    variants: { type: 'string' },
    breakdown: { type: 'boolean' },
    'installed-caches': { type: 'boolean' },
  },
});
const runs = Number(values.runs ?? 5);
if (!Number.isInteger(runs) || runs < 2) throw new Error(`--runs must be a whole number >= 2, got "${values.runs}"`);
const variants: Variant[] = values.variants ? parseVariantList(values.variants) : [...VARIANTS];
const breakdown = values.breakdown ?? false;
/** Starts in the project's own `.local-cloud/`, with the caches `npm install` filled, instead of an empty one. */
const installedCaches = values['installed-caches'] ?? false;
const firstStart = installedCaches ? "first start, npm install's caches" : 'first start, empty caches';

/**
 * Debug lines that mark the end of a phase, in the order they appear (osls's own `process` and
 * hook lines, the local-cloud plugin's `plugin:local-cloud-plugin` lines, serverless-offline's).
 */
const MARKS: Array<{ phase: string; endsAt: RegExp }> = [
  { phase: 'framework: CLI, config read and variables resolved', endsAt: /process: initialize Serverless instance/ },
  { phase: 'framework: core and service plugins loaded', endsAt: /process: run Serverless instance/ },
  { phase: 'framework: configuration validated', endsAt: /< before:offline:start:init/ },
  { phase: 'offline:start hooks up to serverless-offline start', endsAt: /Starting Offline at stage/ },
  { phase: 'serverless-offline: HTTP server up', endsAt: /Server ready/ },
];
const PLUGIN_LINE = /plugin:local-cloud-plugin: (.*)$/;

interface Run {
  firstAcceptedMs: number;
  cpuMs?: number;
  /** Phase -> [wall ms, CPU ms of the process in it], in order (breakdown only). */
  phases: Array<[string, number, number | undefined]>;
}

/**
 * CPU time the process (all its threads) has used so far, from /proc (Linux); undefined elsewhere.
 * Read as each phase ends, it splits the start by CPU, which a busy machine inflates far less than
 * wall-clock time.
 */
function cpuMsOf(pid: number | undefined): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime (fields 14 and 15 of stat), in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function orderBody(orderId: string): string {
  return JSON.stringify({
    orderId,
    customerId: 'c-bench',
    email: 'ada@example.com',
    currency: 'EUR',
    paymentToken: 'tok_ok',
    items: [{ sku: 'SKU-KEYBOARD', qty: 1 }],
  });
}

/** One `sls offline start` in the variant's folder, timed from spawn to the first 202. */
async function timeOneStart(variant: Variant, cloudDir: string | undefined, n: number): Promise<Run> {
  const marks: Array<[string, number, number | undefined]> = [];
  const started = performance.now();
  const offline = await spawnSlsOffline({
    serviceDir: serviceDir(variant),
    // A local-cloud directory of the bench's own (unless --installed-caches): a user's
    // `npm run cloud` or `sls offline` keeps its endpoints.json.
    ...(cloudDir ? { cloudDir } : {}),
    args: breakdown ? ['--debug=process,lifecycle:command:invoke:hook,plugin:local-cloud-plugin'] : [],
    onData(chunk) {
      const at = performance.now() - started;
      for (const line of chunk.split('\n')) {
        const plugin = PLUGIN_LINE.exec(line);
        if (plugin?.[1]) marks.push([`  local cloud: ${plugin[1]}`, at, cpuMsOf(offline.child.pid)]);
        const mark = MARKS.find((m) => m.endsAt.test(line) && !marks.some(([phase]) => phase === m.phase));
        if (mark) marks.push([mark.phase, at, cpuMsOf(offline.child.pid)]);
      }
    },
  });
  const { child, httpPort } = offline;
  try {
    for (let attempt = 0; ; attempt++) {
      const exited = offline.exitCode();
      if (exited !== undefined) throw new Error(`sls offline (${variant}) exited with ${exited}:\n${offline.output()}`);
      if (performance.now() - started > 120_000) throw new Error(`sls offline (${variant}) never accepted an order`);
      const response = await fetch(`http://127.0.0.1:${httpPort}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: orderBody(`bench-${process.pid}-${variant}-${n}-${attempt}`),
      }).catch(() => undefined);
      if (response?.status === 202) break;
      await response?.arrayBuffer();
      if (!response) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const firstAcceptedMs = performance.now() - started;
    const cpuMs = cpuMsOf(child.pid);
    marks.push(['first POST /orders answered 202', firstAcceptedMs, cpuMs]);
    const phases: Array<[string, number, number | undefined]> = [];
    let previous: [number, number | undefined] = [0, 0];
    for (const [phase, at, cpu] of marks) {
      const since = (to: number | undefined, from: number | undefined) =>
        to !== undefined && from !== undefined ? to - from : undefined;
      // The plugin's own lines are points inside the hooks phase: shown from the hooks' start.
      if (phase.startsWith('  ')) {
        const hooksStart = marks.find(([p]) => p === MARKS[2]?.phase);
        // Said before the hooks (a configuration not validated again): the framework's phases show it.
        if (!hooksStart || marks.indexOf(hooksStart) > marks.findIndex(([p]) => p === phase)) continue;
        phases.push([phase, at - (hooksStart?.[1] ?? 0), since(cpu, hooksStart?.[2])]);
        continue;
      }
      phases.push([phase, at - previous[0], since(cpu, previous[1])]);
      previous = [at, cpu];
    }
    return { firstAcceptedMs, ...(cpuMs !== undefined ? { cpuMs } : {}), phases };
  } finally {
    await offline.stop();
  }
}

/**
 * `timeOneStart`, again with new ports when the start lost one of its ports (EADDRINUSE): the
 * ports are probed free and released before the spawn, and the local cloud's own emulators, which
 * listen on ports the system picks, can take the same number first (seen once in about 15 runs).
 * Such a start is not a measurement; the next one is.
 */
async function startWithFreePorts(variant: Variant, cloudDir: string | undefined, n: number): Promise<Run> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await timeOneStart(variant, cloudDir, n);
    } catch (error) {
      if (attempt >= 3 || !String((error as Error).message).includes('EADDRINUSE')) throw error;
      console.log(`  ${variant} #${n + 1}: a port was taken before sls offline listened on it (EADDRINUSE): again`);
    }
  }
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

console.log(`bench:offline: ${runs} starts per variant (the ${firstStart}); load average ${load()}`);
const rows: string[][] = [];
for (const variant of variants) {
  const cloudDir = installedCaches ? undefined : await mkdtemp(path.join(tmpdir(), `bench-offline-${variant}-`));
  try {
    const results: Run[] = [];
    for (let n = 0; n < runs; n++) {
      const run = await startWithFreePorts(variant, cloudDir, n);
      results.push(run);
      console.log(
        `  ${variant} #${n + 1}: ${s(run.firstAcceptedMs)}${run.cpuMs !== undefined ? ` (${run.cpuMs} ms CPU)` : ''}`,
      );
    }
    const warm = results.slice(1);
    const times = warm.map((r) => r.firstAcceptedMs);
    const cpus = warm.flatMap((r) => (r.cpuMs !== undefined ? [r.cpuMs] : []));
    rows.push([
      variant,
      s(median(times)),
      `${s(Math.min(...times))} - ${s(Math.max(...times))}`,
      cpus.length ? `${Math.round(median(cpus))} ms` : 'n/a',
      s(results[0]?.firstAcceptedMs ?? 0),
    ]);
    if (breakdown) {
      // The first start beside the warm ones: what an empty local-cloud directory costs, phase by phase.
      const first = results[0]?.phases ?? [];
      console.log(`  ${variant}, median of the warm starts, and the ${firstStart}:`);
      console.log(`    ${''.padEnd(58)}    wall     CPU      first: wall   CPU`);
      const phases = [...new Set([...(warm[0]?.phases ?? []), ...first].map(([p]) => p))];
      for (const phase of phases) {
        const of = warm.flatMap((r) => r.phases.filter(([p]) => p === phase));
        const wall = of.map(([, ms]) => ms);
        const cpu = of.flatMap(([, , ms]) => (ms === undefined ? [] : [ms]));
        const once = first.find(([p]) => p === phase);
        const at = phase.startsWith('  ') ? 'at' : '  ';
        const warmCells = wall.length ? `${s(median(wall))}  ${cpu.length ? s(median(cpu)) : '     '}` : ''.padEnd(15);
        const firstCells = once ? `${s(once[1])}  ${once[2] !== undefined ? s(once[2]) : ''}` : '';
        console.log(`    ${phase.padEnd(58)} ${at} ${warmCells}      ${firstCells}`);
      }
    }
  } finally {
    if (cloudDir) await rm(cloudDir, { recursive: true, force: true });
  }
}
const header = ['variant', 'to first 202 (median)', 'range', 'CPU (median)', firstStart];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
console.log(`\n${line(header)}\n${rows.map(line).join('\n')}`);
console.log(`load average after: ${load()} (${runs - 1} warm starts per median)`);
