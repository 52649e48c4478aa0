import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { PROJECT_ROOT } from '#cloud/cloud';

/** A free TCP port on loopback (serverless-offline takes fixed ports, not 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
  });
}

export interface OfflineService {
  /** `http://127.0.0.1:<port>`: the service's HTTP API. */
  target: string;
  stop(): Promise<void>;
}

/**
 * `sls offline start` in a service folder, as a user runs it, with the local cloud behind it on
 * free ports; resolves once serverless-offline says it is ready.
 */
export async function startOffline(
  service: string,
  options: { params?: Record<string, string> } = {},
): Promise<OfflineService> {
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  const serverless = path.join(PROJECT_ROOT, 'node_modules/osls/bin/serverless.js');
  const args = [
    'offline',
    'start',
    '--stage',
    'local',
    '--httpPort',
    String(httpPort),
    ...Object.entries(options.params ?? {}).map(([key, value]) => `--param=${key}=${value}`),
  ];
  const offline: ChildProcess = spawn(process.execPath, [serverless, ...args, '--lambdaPort', String(lambdaPort)], {
    cwd: path.join(PROJECT_ROOT, 'services', service),
    env: {
      ...process.env,
      LOCAL_DYNAMODB_PORT: '0',
      LOCAL_SQS_PORT: '0',
      LOCAL_LAMBDA_PORT: '0',
      LOCAL_SCHEDULER_PORT: '0',
      SLS_TELEMETRY_DISABLED: '1',
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
    offline.stdout?.on('data', onData);
    offline.stderr?.on('data', onData);
    offline.once('exit', (code) => reject(new Error(`sls offline exited with ${code}:\n${output}`)));
  });
  return {
    target: `http://127.0.0.1:${httpPort}`,
    async stop() {
      if (!offline.pid || offline.exitCode !== null) return;
      process.kill(-offline.pid, 'SIGINT');
      await new Promise((resolve) => {
        const timer = setTimeout(() => {
          if (offline.pid) process.kill(-offline.pid, 'SIGKILL');
          resolve(undefined);
        }, 10_000);
        offline.once('exit', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    },
  };
}

/** Polls `GET /orders/{id}` until the order is terminal (a cap only for a hung run). */
export async function waitForTerminal(target: string, orderId: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const body = (await (await fetch(`${target}/orders/${orderId}`)).json()) as Record<string, unknown>;
    if (['CONFIRMED', 'CANCELLED', 'REJECTED', 'FAILED'].includes(String(body.status))) return body;
    if (Date.now() > deadline) throw new Error(`order ${orderId} still ${String(body.status)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Posts the usual three orders (ok, declined, `tok_flaky_2`) and returns them once terminal. */
export async function placeUsualThree(target: string): Promise<Array<Record<string, unknown>>> {
  const tokens = ['tok_ok', 'tok_decline', 'tok_flaky_2'];
  const ids = tokens.map((token) => `offline-${process.pid}-${token}`);
  for (const [i, paymentToken] of tokens.entries()) {
    const response = await fetch(`${target}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        orderId: ids[i],
        customerId: 'c-42',
        email: 'ada@example.com',
        currency: 'EUR',
        paymentToken,
        items: [{ sku: 'SKU-KEYBOARD', qty: 1 }],
      }),
    });
    if (response.status !== 202) throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
  }
  return Promise.all(ids.map((id) => waitForTerminal(target, id)));
}

/**
 * The `sls offline` acceptance of a service as a Jest suite: the usual three orders end CONFIRMED,
 * CANCELLED and CONFIRMED, the flaky one after three charge attempts.
 */
export function describeUsualThreeOffline(service: string): void {
  let offline: OfflineService | undefined;
  beforeAll(async () => {
    offline = await startOffline(service);
  }, 120_000);
  afterAll(async () => {
    await offline?.stop();
  });
  describe(`${service} under sls offline`, () => {
    it('ends the usual three orders CONFIRMED, CANCELLED and CONFIRMED after three attempts', async () => {
      const orders = await placeUsualThree(offline!.target);
      expect(orders.map((o) => o.status)).toEqual(['CONFIRMED', 'CANCELLED', 'CONFIRMED']);
      const timeline = orders[2]?.timeline as Array<{ step: string; outcome: string; attempt: number }>;
      expect(timeline.filter((e) => e.step === 'charge-payment').map((e) => [e.outcome, e.attempt])).toEqual([
        ['failed', 1],
        ['failed', 2],
        ['succeeded', 3],
      ]);
    }, 120_000);
  });
}
