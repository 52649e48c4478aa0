import { placeUsualThree, startOffline, type OfflineService } from '#test/helpers/sls-offline';

let offline: OfflineService | undefined;

beforeAll(async () => {
  offline = await startOffline('single-lambda');
}, 120_000);

afterAll(async () => {
  await offline?.stop();
});

describe('single-lambda under sls offline', () => {
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
