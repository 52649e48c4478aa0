import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OrderRecord } from '#domain/order';
import { driveWorkload } from '#lib/driver';
import { generateWorkload } from '#lib/workload';

let server: Server;
let url = '';
const received: string[] = [];

beforeAll(async () => {
  // A target that accepts every order at once: whatever lag the run shows is the generator's own.
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const { orderId } = JSON.parse(body) as { orderId: string };
      received.push(orderId);
      response
        .writeHead(202, { 'content-type': 'application/json' })
        .end(JSON.stringify({ orderId, status: 'ACCEPTED' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the open model', () => {
  it('sends every order of a 500/s run on schedule and records how late each one left', async () => {
    const orders = generateWorkload({
      orders: 500,
      seed: 7,
      declineRate: 0,
      outOfStockRate: 0,
      transientRate: 0,
      rejectRate: 0,
      runId: 'lag',
    });
    const result = await driveWorkload({
      apiUrl: url,
      orders,
      concurrency: 1,
      ratePerSec: 500,
      readOrders: async (ids) =>
        ids.map(
          (orderId) =>
            ({
              orderId,
              status: 'CONFIRMED',
              createdAt: new Date().toISOString(),
              terminalAt: new Date().toISOString(),
              timeline: [],
            }) as unknown as OrderRecord,
        ),
    });
    expect(new Set(received)).toEqual(new Set(orders.map((o) => o.command.orderId)));
    expect(result.outcomes.every((o) => o.httpStatus === 202 && typeof o.lagMs === 'number' && o.lagMs >= 0)).toBe(
      true,
    );
  });
});
