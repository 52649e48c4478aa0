import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { PROJECT_ROOT } from '#cloud/cloud';

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
  // `sls offline start` in the durable-functions service, as a user runs it; the local cloud
  // (its Lambda API included) behind it on free ports.
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
      cwd: path.join(PROJECT_ROOT, 'services/durable-functions'),
      env: {
        ...process.env,
        LOCAL_DYNAMODB_PORT: '0',
        LOCAL_SQS_PORT: '0',
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

async function waitForTerminal(orderId: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const body = (await (await fetch(`${target}/orders/${orderId}`)).json()) as Record<string, unknown>;
    if (['CONFIRMED', 'CANCELLED', 'REJECTED', 'FAILED'].includes(String(body.status))) return body;
    if (Date.now() > deadline) throw new Error(`order ${orderId} still ${String(body.status)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('durable-functions under sls offline', () => {
  it('ends the usual three orders CONFIRMED, CANCELLED and CONFIRMED after three attempts', async () => {
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
      expect(response.status).toBe(202);
    }
    const orders = await Promise.all(ids.map(waitForTerminal));
    expect(orders.map((o) => o.status)).toEqual(['CONFIRMED', 'CANCELLED', 'CONFIRMED']);
    const timeline = orders[2]?.timeline as Array<{ step: string; outcome: string; attempt: number }>;
    expect(timeline.filter((e) => e.step === 'charge-payment').map((e) => [e.outcome, e.attempt])).toEqual([
      ['failed', 1],
      ['failed', 2],
      ['succeeded', 3],
    ]);
  }, 60_000);
});
