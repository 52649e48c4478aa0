import { lambdaWhileWaiting } from '#lib/while-waiting';

/** An invocation of `fn` from `start` to `end` (ms). */
const call = (functionName: string, startedAtMs: number, endedAtMs: number) => ({
  functionName,
  startedAtMs,
  endedAtMs,
  cold: false,
  dynamoCalls: 0,
});
const memory = () => 1024;

describe('Lambda compute while an order waits for review', () => {
  const wait = { parkedAtMs: 1_000, decidedAtMs: 61_000 };

  it('is zero when the park ends its invocation and the decision starts a new one', () => {
    const invocations = [
      call('validate', 500, 990),
      call('await-review', 990, 1_020), // parked the order at 1,000: the wait's start
      call('time-out-review', 60_990, 61_010), // recorded the decision at 61,000: its end
      call('charge', 61_020, 61_100),
    ];
    expect(lambdaWhileWaiting(invocations, wait, memory)).toEqual({ invocations: 0, lambdaGbSeconds: 0 });
  });

  it('counts a function held open across the wait, and one running in between, for their part inside it', () => {
    // One invocation parked the order and sleeps until the decision: the whole 60 s wait at 1 GB.
    expect(lambdaWhileWaiting([call('sleeper', 900, 61_100)], wait, memory)).toEqual({
      invocations: 1,
      lambdaGbSeconds: 60,
    });
    // A poller running in between, at 1 GB for its 10 s inside the wait.
    expect(lambdaWhileWaiting([call('poller', 30_000, 40_000)], wait, memory)).toEqual({
      invocations: 1,
      lambdaGbSeconds: 10,
    });
    expect(lambdaWhileWaiting([call('poller', 30_000, 40_000)], wait, () => 512).lambdaGbSeconds).toBe(5);
  });

  it('counts up to now for an order still waiting', () => {
    expect(lambdaWhileWaiting([call('poller', 2_000, 3_000)], { parkedAtMs: 1_000 }, memory).invocations).toBe(1);
  });
});
