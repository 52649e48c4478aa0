import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '#cloud/cloud';

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

beforeAll(async () => {
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
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

describe('npm run loadtest against sls offline', () => {
  it('drives the seeded workload through the API and reports what the client can see', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        path.join(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs'),
        'scripts/loadtest.ts',
        '--target',
        target,
        '--variant',
        'sqs-chain',
        '--orders',
        '24',
        '--concurrency',
        '6',
        '--seed',
        '3',
      ],
      {
        cwd: PROJECT_ROOT,
        maxBuffer: 8 * 1024 * 1024,
        timeout: 150_000,
      },
    );
    expect(stdout).toContain('Latency p50 (ms)');
    const json = /report: (\S+)report\.md/.exec(stdout)?.[1];
    expect(json).toBeDefined();
    const report = JSON.parse(await readFile(path.join(PROJECT_ROOT, `${json}report.json`), 'utf8'));
    const variant = report.variants['sqs-chain'];
    expect(variant.orders).toBe(24);
    expect(variant.nonTerminal).toBe(0);
    expect(variant.terminal.CONFIRMED + variant.terminal.CANCELLED + variant.terminal.REJECTED).toBe(24);
    expect(variant.latencyMs.local.p50).toBeGreaterThan(0);
    expect(variant.countsUnavailable).toContain('sqsRequests');
    expect(variant.templateResources).toBeGreaterThan(20);
  }, 180_000);
});
