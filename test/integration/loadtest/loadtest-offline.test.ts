import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '#cloud/cloud';
import { measureVariants } from '#lib/comparison';
import { estimateCost, loadPrices } from '#measure/cost-model';

const run = promisify(execFile);

/** A free TCP port on loopback (serverless-offline takes fixed ports, not 0). */
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

let offline: ChildProcess | undefined;
let target = '';
let cloudDir = '';

beforeAll(async () => {
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  // Its own endpoints.json, where the load test finds the local CloudWatch and CloudFormation.
  cloudDir = await mkdtemp(path.join(tmpdir(), 'offline-cloud-'));
  // `sls offline start` in the sqs-chain service, as a user runs it; the local cloud behind it on free ports.
  offline = spawn(
    process.execPath,
    [
      path.join(PROJECT_ROOT, 'node_modules/osls/bin/serverless.js'),
      'offline',
      'start',
      '--stage',
      'local',
      '--httpPort',
      String(httpPort),
      '--lambdaPort',
      String(lambdaPort),
    ],
    {
      cwd: path.join(PROJECT_ROOT, 'services/sqs-chain'),
      env: {
        ...process.env,
        LOCAL_DYNAMODB_PORT: '0',
        LOCAL_SQS_PORT: '0',
        LOCAL_EVENTBRIDGE_PORT: '0',
        LOCAL_STEPFUNCTIONS_PORT: '0',
        LOCAL_CLOUD_DIR: cloudDir,
        LOCAL_LAMBDA_PORT: '0',
        SLS_TELEMETRY_DISABLED: '1',
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sls offline did not start:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Server ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    offline?.stdout?.on('data', onData);
    offline?.stderr?.on('data', onData);
    offline?.once('exit', (code) => reject(new Error(`sls offline exited with ${code}:\n${output}`)));
  });
  target = `http://127.0.0.1:${httpPort}`;
}, 120_000);

afterAll(async () => {
  if (offline?.pid) {
    process.kill(-offline.pid, 'SIGINT');
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (offline?.pid) process.kill(-offline.pid, 'SIGKILL');
        resolve(undefined);
      }, 10_000);
      offline?.once('exit', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
  }
});

const PRICED = ['lambdaInvocations', 'sqsRequests', 'dynamoReadUnits', 'dynamoWriteUnits'] as const;

describe('npm run loadtest against sls offline', () => {
  it('counts from the local CloudWatch what npm start counts for the same workload, within 5%', async () => {
    const workload = ['--orders', '24', '--concurrency', '4', '--seed', '3'];
    const { stdout } = await run(
      process.execPath,
      [
        path.join(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs'),
        'scripts/loadtest.ts',
        '--target',
        `sqs-chain=${target}`,
        '--verify',
        ...workload,
      ],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, LOCAL_CLOUD_DIR: cloudDir },
        maxBuffer: 8 * 1024 * 1024,
        timeout: 150_000,
      },
    );
    expect(stdout).toContain('Measured against the target');
    expect(stdout).not.toMatch(/baseline/);
    expect(stdout).toContain('sqs-chain kept the invariants checked over 24 orders');
    const dir = /report: (\S+)report\.md/.exec(stdout)?.[1];
    const report = JSON.parse(await readFile(path.join(PROJECT_ROOT, `${dir}report.json`), 'utf8'));
    expect(report.baseline).toBeUndefined();
    const loadtest = report.variants['sqs-chain'];
    expect(loadtest.orders).toBe(24);
    expect(loadtest.nonTerminal).toBe(0);
    expect(loadtest.invariantViolations).toEqual([]);
    expect(loadtest.countsUnavailable).toEqual([]);
    expect(loadtest.templateResources).toBeGreaterThan(20);

    // npm start's own measurement of the same seeded workload, in a local cloud of its own.
    const local = await measureVariants({
      orders: 24,
      concurrency: 4,
      rate: 0,
      seed: 3,
      declineRate: 0.05,
      outOfStockRate: 0.05,
      transientRate: 0.1,
      rejectRate: 0.02,
      variants: ['sqs-chain'],
      latencyModel: 'none',
      sfnType: 'standard',
    });
    const counted = local.variants[0]!.counts;
    // Each priced counter within 5% (closeTo with 1 digit: |ratio - 1| < 0.05); the diff shows them all.
    const ratios = Object.fromEntries(PRICED.map((c) => [c, loadtest.counts[c] / (counted[c] ?? 0)]));
    expect(ratios).toEqual(Object.fromEntries(PRICED.map((c) => [c, expect.closeTo(1, 1)])));
    const prices = loadPrices();
    const priced = (counts: Record<string, number>) =>
      estimateCost(Object.fromEntries(PRICED.map((c) => [c, counts[c] ?? 0])), 24, prices).perMillionOrdersUsd;
    expect(Math.abs(priced(loadtest.counts) / priced(counted as Record<string, number>) - 1)).toBeLessThanOrEqual(0.05);
  }, 300_000);

  it("answers aws cloudwatch get-metric-data with the run's invocation and message counts", async () => {
    const endpoints = JSON.parse(await readFile(path.join(cloudDir, 'endpoints.json'), 'utf8'));
    const now = Math.floor(Date.now() / 1000);
    const query = (id: string, namespace: string, metric: string, dim: string, value: string) => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: namespace, MetricName: metric, Dimensions: [{ Name: dim, Value: value }] },
        Period: 60,
        Stat: 'Sum',
      },
    });
    const { stdout } = await run(
      'aws',
      [
        '--endpoint-url',
        endpoints.cloudwatch,
        'cloudwatch',
        'get-metric-data',
        '--start-time',
        String(now - 3600),
        '--end-time',
        String(now + 60),
        '--metric-data-queries',
        JSON.stringify([
          query('inv', 'AWS/Lambda', 'Invocations', 'FunctionName', 'sqs-chain-local-validateOrder'),
          query('sent', 'AWS/SQS', 'NumberOfMessagesSent', 'QueueName', 'sqs-chain-local-validate-order'),
        ]),
      ],
      { env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1' } },
    );
    const results = JSON.parse(stdout).MetricDataResults as Array<{ Id: string; Values: number[] }>;
    const total = (id: string) => results.find((r) => r.Id === id)!.Values.reduce((a, b) => a + b, 0);
    // Every order of the run was validated once and sent to the validate queue once (24 orders).
    expect(total('inv')).toBeGreaterThanOrEqual(24);
    expect(total('sent')).toBeGreaterThanOrEqual(24);
  }, 60_000);
});
