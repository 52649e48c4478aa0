/**
 * `npm run bench:offline [-- --runs N --variants a,b --breakdown]`: how long `sls offline start`
 * takes, in each service folder, from the command to the first `202` of `POST /orders`, as a user
 * runs it (`npx sls offline start --stage local`), N times per variant; prints the median, the
 * range and the CPU the process used (Linux), with the machine's load average before and after.
 *
 * The first run of a variant starts with an empty local-cloud directory (what a fresh clone, or
 * the first start after a change, pays: bundles built, caches filled); the median is of the runs
 * after it. `--breakdown` adds where the time of a warm start goes, from the framework's own
 * debug lines and the local-cloud plugin's: framework start, plugins loaded, configuration
 * validated, the `offline:start` hooks (bundling, local cloud, serverless-offline), the first
 * request.
 *
 * These are figures from one machine at one moment: on a shared, busy machine they measure the
 * queue for the CPU as much as the start. Compare them in one run, or on a quiet machine.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from './local-cloud/cloud.ts';
import { VARIANTS, parseVariantList, serviceDir, type Variant } from './lib/variants.ts';
import { parseCliArgs } from './lib/cli-args.ts';

const { values } = parseCliArgs('bench:offline', {
  args: process.argv.slice(2),
  options: {
    runs: { type: 'string' },
    variants: { type: 'string' },
    breakdown: { type: 'boolean' },
  },
});
const runs = Number(values.runs ?? 5);
if (!Number.isInteger(runs) || runs < 2) throw new Error(`--runs must be a whole number >= 2, got "${values.runs}"`);
const variants: Variant[] = values.variants ? parseVariantList(values.variants) : [...VARIANTS];
const breakdown = values.breakdown ?? false;

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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
  });
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
async function timeOneStart(variant: Variant, cloudDir: string, n: number): Promise<Run> {
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  const args = [
    'offline',
    'start',
    '--stage',
    'local',
    '--httpPort',
    String(httpPort),
    '--lambdaPort',
    String(lambdaPort),
  ];
  if (breakdown) args.push('--debug=process,lifecycle:command:invoke:hook,plugin:local-cloud-plugin');
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'node_modules/osls/bin/serverless.js'), ...args], {
    cwd: serviceDir(variant),
    env: {
      ...process.env,
      // Free ports for every emulator and a local-cloud directory of the bench's own: a user's
      // `npm run cloud` or `sls offline` keeps its ports and its endpoints.json.
      ...Object.fromEntries(
        ['DYNAMODB', 'SQS', 'EVENTBRIDGE', 'STEPFUNCTIONS', 'LAMBDA', 'CLOUDWATCH', 'CLOUDFORMATION'].map((s) => [
          `LOCAL_${s}_PORT`,
          '0',
        ]),
      ),
      LOCAL_CLOUD_DIR: cloudDir,
      SLS_TELEMETRY_DISABLED: '1',
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const marks: Array<[string, number, number | undefined]> = [];
  let output = '';
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  const onData = (chunk: Buffer) => {
    const at = performance.now() - started;
    output += chunk.toString();
    for (const line of chunk.toString().split('\n')) {
      const plugin = PLUGIN_LINE.exec(line);
      if (plugin?.[1]) marks.push([`  local cloud: ${plugin[1]}`, at, cpuMsOf(child.pid)]);
      const mark = MARKS.find((m) => m.endsAt.test(line) && !marks.some(([phase]) => phase === m.phase));
      if (mark) marks.push([mark.phase, at, cpuMsOf(child.pid)]);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  try {
    for (let attempt = 0; ; attempt++) {
      if (exited !== undefined) throw new Error(`sls offline (${variant}) exited with ${exited}:\n${output}`);
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
    if (child.pid && exited === undefined) {
      process.kill(-child.pid, 'SIGINT');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
          resolve();
        }, 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/**
 * `timeOneStart`, again with new ports when the start lost one of its ports (EADDRINUSE): the
 * ports are probed free and released before the spawn, and the local cloud's own emulators, which
 * listen on ports the system picks, can take the same number first (seen once in about 15 runs).
 * Such a start is not a measurement; the next one is.
 */
async function startWithFreePorts(variant: Variant, cloudDir: string, n: number): Promise<Run> {
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

console.log(`bench:offline: ${runs} starts per variant (the first with empty caches); load average ${load()}`);
const rows: string[][] = [];
for (const variant of variants) {
  const cloudDir = await mkdtemp(path.join(tmpdir(), `bench-offline-${variant}-`));
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
      console.log(`  ${variant}, median of the warm starts:`);
      console.log(`    ${''.padEnd(58)}    wall    CPU`);
      for (const [phase] of warm[0]?.phases ?? []) {
        const of = warm.flatMap((r) => r.phases.filter(([p]) => p === phase));
        const wall = of.map(([, ms]) => ms);
        const cpu = of.flatMap(([, , ms]) => (ms === undefined ? [] : [ms]));
        if (!wall.length) continue;
        const at = phase.startsWith('  ') ? 'at' : '  ';
        console.log(`    ${phase.padEnd(58)} ${at} ${s(median(wall))}  ${cpu.length ? s(median(cpu)) : ''}`);
      }
    }
  } finally {
    await rm(cloudDir, { recursive: true, force: true });
  }
}
const header = ['variant', 'to first 202 (median)', 'range', 'CPU (median)', 'first start, empty caches'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
console.log(`\n${line(header)}\n${rows.map(line).join('\n')}`);
console.log(`load average after: ${load()} (${runs - 1} warm starts per median)`);
