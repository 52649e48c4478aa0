/**
 * The local EventBridge through the real AWS SDK v3 clients: EventBridge API on our server, SQS
 * targets and dead-letter queues on the fauxqs emulator, Lambda targets through a recording test
 * double of the Lambda runtime (the `LambdaInvoker` seam).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CreateEventBusCommand,
  DeleteRuleCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TestEventPatternCommand,
  type PutEventsRequestEntry,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { startFauxqs } from 'fauxqs';
import { PROJECT_ROOT } from '#cloud/cloud';
import { loadFauxqs } from '#cloud/fauxqs-bundle';
import {
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type CloudInstruments,
  type CounterName,
  type LambdaInvoker,
  type WaitCounterName,
} from '#cloud/types';
import { startEventBridge, type EventBridgeServer } from '#cloud/eventbridge/server';
import { eventually } from '#test/helpers/wait';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const FUNCTION_ARN = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:validate-order`;

type Fauxqs = Awaited<ReturnType<typeof startFauxqs>>;

interface RecordingInvoker extends LambdaInvoker {
  calls: Array<{ functionRef: string; event: Record<string, any> }>;
  /** Makes the next `n` hand-offs reject, as a throttled Lambda service would. */
  failNext(n: number): void;
  /** Holds every hand-off until the returned release function is called. */
  hold(): () => void;
}

function recordingInvoker(): RecordingInvoker {
  let failures = 0;
  let gate: Promise<void> = Promise.resolve();
  const invoker: RecordingInvoker = {
    calls: [],
    invoke: async () => undefined,
    invokeAsync: async (functionRef, event) => {
      await gate;
      invoker.calls.push({ functionRef, event: event as Record<string, any> });
      if (failures > 0) {
        failures--;
        throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
      }
    },
    failNext: (n) => {
      failures = n;
    },
    hold: () => {
      let release = () => {};
      gate = new Promise((resolve) => (release = resolve));
      return release;
    },
  };
  return invoker;
}

function countingInstruments(): CloudInstruments & { counts: Partial<Record<CounterName | WaitCounterName, number>> } {
  const counts: Partial<Record<CounterName | WaitCounterName, number>> = {};
  return { counts, count: (name, n = 1) => void (counts[name] = (counts[name] ?? 0) + n), hopDelay: () => 0 };
}

let fauxqs: Fauxqs;
let sqs: SQSClient;
let server: EventBridgeServer;
let events: EventBridgeClient;
let invoker: RecordingInvoker;
let instruments: ReturnType<typeof countingInstruments>;
let queueCounter = 0;

beforeAll(async () => {
  // The local cloud's own build of fauxqs (no node:sqlite, see fauxqs-bundle.ts).
  const startFauxqs = await loadFauxqs(`${PROJECT_ROOT}/.local-cloud`);
  fauxqs = await startFauxqs({ port: 0, logger: false });
  sqs = new SQSClient({ endpoint: fauxqs.address, region: LOCAL_REGION, credentials });
});

afterAll(async () => {
  sqs.destroy();
  await fauxqs.stop();
});

beforeEach(async () => {
  invoker = recordingInvoker();
  instruments = countingInstruments();
  server = await startEventBridge({ port: 0, invoker, sqs, instruments });
  events = new EventBridgeClient({ endpoint: server.url, region: LOCAL_REGION, credentials });
});

afterEach(async () => {
  events.destroy();
  await server.stop();
});

/** A fresh queue per test, so messages never leak between tests; returns its ARN and URL. */
async function createQueue(prefix: string): Promise<{ arn: string; url: string }> {
  const name = `${prefix}-${++queueCounter}`;
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  return { arn: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${name}`, url: QueueUrl! };
}

async function receiveAll(queueUrl: string): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
      WaitTimeSeconds: 1,
    }),
  );
  return Messages;
}

async function ruleWithTargets(
  name: string,
  pattern: object,
  targets: Target[],
  eventBusName?: string,
): Promise<string> {
  const { RuleArn } = await events.send(
    new PutRuleCommand({ Name: name, EventBusName: eventBusName, EventPattern: JSON.stringify(pattern) }),
  );
  await events.send(new PutTargetsCommand({ Rule: name, EventBusName: eventBusName, Targets: targets }));
  return RuleArn!;
}

function orderPlaced(overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry {
  return {
    Source: 'shop.orders',
    DetailType: 'OrderPlaced',
    Detail: JSON.stringify({ orderId: 'o-1', total: 42 }),
    ...overrides,
  };
}

async function putEvents(...entries: PutEventsRequestEntry[]) {
  return events.send(new PutEventsCommand({ Entries: entries }));
}

describe('delivery to Lambda targets', () => {
  it('delivers a matching event to the function as an AWS event envelope', async () => {
    const busArn = server.createEventBus('orders');
    await ruleWithTargets(
      'validate-order',
      { source: ['shop.orders'], 'detail-type': ['OrderPlaced'] },
      [{ Id: 'validate', Arn: FUNCTION_ARN }],
      'orders',
    );

    const result = await putEvents(orderPlaced({ EventBusName: busArn, Resources: ['arn:aws:shop:order/o-1'] }));
    await server.idle();

    expect(result.FailedEntryCount).toBe(0);
    expect(invoker.calls).toHaveLength(1);
    const { functionRef, event } = invoker.calls[0]!;
    expect(functionRef).toBe(FUNCTION_ARN);
    expect(event).toEqual({
      version: '0',
      id: result.Entries![0]!.EventId,
      'detail-type': 'OrderPlaced',
      source: 'shop.orders',
      account: LOCAL_ACCOUNT,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: LOCAL_REGION,
      resources: ['arn:aws:shop:order/o-1'],
      detail: { orderId: 'o-1', total: 42 },
    });
    expect(instruments.counts).toMatchObject({ eventsPut: 1, eventDeliveries: 1 });
  });

  it('answers PutEvents before the target is invoked', async () => {
    await ruleWithTargets('validate-order', { source: ['shop.orders'] }, [{ Id: 'validate', Arn: FUNCTION_ARN }]);
    const release = invoker.hold();

    const result = await putEvents(orderPlaced());
    expect(result.FailedEntryCount).toBe(0);
    expect(invoker.calls).toHaveLength(0);

    release();
    await server.idle();
    expect(invoker.calls).toHaveLength(1);
  });

  it('delivers nothing when no enabled rule matches', async () => {
    await ruleWithTargets('on-shipped', { 'detail-type': ['OrderShipped'] }, [{ Id: 'a', Arn: FUNCTION_ARN }]);
    await events.send(
      new PutRuleCommand({ Name: 'disabled', EventPattern: '{"source":["shop.orders"]}', State: 'DISABLED' }),
    );
    await events.send(new PutTargetsCommand({ Rule: 'disabled', Targets: [{ Id: 'b', Arn: FUNCTION_ARN }] }));

    await putEvents(orderPlaced());
    await server.idle();

    expect(invoker.calls).toHaveLength(0);
    expect(instruments.counts.eventsPut).toBe(1);
    expect(instruments.counts.eventDeliveries).toBeUndefined();
  });

  it('delivers every event twice, and out of order with reorder on', async () => {
    await ruleWithTargets('validate-order', { source: ['shop.orders'] }, [{ Id: 'validate', Arn: FUNCTION_ARN }]);
    server.setDuplicateDelivery({ enabled: true, reorder: true, seed: 7 });

    const entries = Array.from({ length: 5 }, (_, i) => orderPlaced({ Detail: JSON.stringify({ orderId: `o-${i}` }) }));
    const result = await putEvents(...entries);
    await server.idle();

    const ids = result.Entries!.map((entry) => entry.EventId!);
    const arrivals = invoker.calls.map((call) => ids.indexOf(call.event.id));
    expect(arrivals.toSorted()).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    expect(arrivals).not.toEqual(arrivals.toSorted());
  });

  it('delivers once, in order, with the duplicate knob off again', async () => {
    await ruleWithTargets('validate-order', { source: ['shop.orders'] }, [{ Id: 'validate', Arn: FUNCTION_ARN }]);
    server.setDuplicateDelivery({ enabled: true });
    server.setDuplicateDelivery({ enabled: false });

    const result = await putEvents(orderPlaced(), orderPlaced());
    await server.idle();

    expect(invoker.calls.map((call) => call.event.id)).toEqual(result.Entries!.map((entry) => entry.EventId));
  });
});

describe('retries and dead-letter queues', () => {
  it('retries a failed hand-off and delivers once it succeeds', async () => {
    await ruleWithTargets('validate-order', { source: ['shop.orders'] }, [
      { Id: 'validate', Arn: FUNCTION_ARN, RetryPolicy: { MaximumRetryAttempts: 3 } },
    ]);
    invoker.failNext(2);

    await putEvents(orderPlaced());
    await server.idle();

    expect(invoker.calls).toHaveLength(3);
    expect(new Set(invoker.calls.map((call) => call.event.id)).size).toBe(1);
    expect(instruments.counts).toMatchObject({ eventDeliveries: 3, retries: 2 });
  });

  it('dead-letters the event with the AWS attributes once the retry policy is exhausted', async () => {
    const dlq = await createQueue('validate-order-dlq');
    const ruleArn = await ruleWithTargets('validate-order', { source: ['shop.orders'] }, [
      {
        Id: 'validate',
        Arn: FUNCTION_ARN,
        RetryPolicy: { MaximumRetryAttempts: 2 },
        DeadLetterConfig: { Arn: dlq.arn },
      },
    ]);
    invoker.failNext(100);

    const result = await putEvents(orderPlaced());
    await server.idle();

    expect(invoker.calls).toHaveLength(3);
    const [message, ...others] = await receiveAll(dlq.url);
    expect(others).toHaveLength(0);
    expect(JSON.parse(message!.Body!)).toMatchObject({ id: result.Entries![0]!.EventId, detail: { orderId: 'o-1' } });
    expect(stringAttributes(message!)).toEqual({
      RULE_ARN: ruleArn,
      TARGET_ARN: FUNCTION_ARN,
      ERROR_CODE: 'SDK_CLIENT_ERROR',
      ERROR_MESSAGE: 'Rate exceeded',
      RETRY_ATTEMPTS: '2',
      EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
    });
  });

  it('dead-letters at once, without retries, when the target queue does not exist', async () => {
    const dlq = await createQueue('missing-target-dlq');
    const missingQueueArn = `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:no-such-queue`;
    await ruleWithTargets('to-missing-queue', { source: ['shop.orders'] }, [
      { Id: 'missing', Arn: missingQueueArn, DeadLetterConfig: { Arn: dlq.arn } },
    ]);

    await putEvents(orderPlaced());
    await server.idle();

    const [message] = await receiveAll(dlq.url);
    expect(stringAttributes(message!)).toMatchObject({
      TARGET_ARN: missingQueueArn,
      ERROR_CODE: 'RESOURCE_NOT_FOUND',
      RETRY_ATTEMPTS: '0',
    });
    expect(stringAttributes(message!)).not.toHaveProperty('EXHAUSTED_RETRY_CONDITION');
  });

  it('cancels pending retries when stopped', async () => {
    await ruleWithTargets('validate-order', { source: ['shop.orders'] }, [{ Id: 'validate', Arn: FUNCTION_ARN }]);
    invoker.failNext(1_000);

    await putEvents(orderPlaced());
    await eventually(() => invoker.calls.length >= 1, 'the first delivery');
    await server.stop();
    await server.idle();

    expect(invoker.calls.length).toBeGreaterThanOrEqual(1);
    expect(invoker.calls.length).toBeLessThan(5);
  });
});

describe('delivery to SQS targets', () => {
  it('sends the event JSON to the queue, and the InputPath selection to a second queue', async () => {
    const whole = await createQueue('order-events');
    const details = await createQueue('order-details');
    await ruleWithTargets('to-queues', { 'detail-type': ['OrderPlaced'] }, [
      { Id: 'whole', Arn: whole.arn },
      { Id: 'details', Arn: details.arn, InputPath: '$.detail' },
    ]);

    const result = await putEvents(orderPlaced());
    await server.idle();

    const [event] = await receiveAll(whole.url);
    expect(JSON.parse(event!.Body!)).toMatchObject({
      id: result.Entries![0]!.EventId,
      source: 'shop.orders',
      detail: { orderId: 'o-1' },
    });
    const [detail] = await receiveAll(details.url);
    expect(JSON.parse(detail!.Body!)).toEqual({ orderId: 'o-1', total: 42 });
  });
});

describe('PutEvents validation', () => {
  it('reports a per-entry error code for bad entries and accepts the good ones', async () => {
    const result = await putEvents(
      orderPlaced(),
      orderPlaced({ Detail: 'not json' }),
      orderPlaced({ Detail: '[1, 2]' }),
      orderPlaced({ Source: undefined }),
      orderPlaced({ EventBusName: 'no-such-bus' }),
    );

    expect(result.FailedEntryCount).toBe(4);
    expect(result.Entries![0]!.EventId).toEqual(expect.any(String));
    expect(result.Entries!.slice(1).map((entry) => entry.ErrorCode)).toEqual([
      'MalformedDetail',
      'MalformedDetail',
      'InvalidArgument',
      'ResourceNotFoundException',
    ]);
    expect(instruments.counts.eventsPut).toBe(1);
  });

  it('rejects more than ten entries', async () => {
    const entries = Array.from({ length: 11 }, () => orderPlaced());
    await expect(putEvents(...entries)).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('management API', () => {
  it('answers TestEventPattern from the rule matcher', async () => {
    const event = JSON.stringify({
      id: '1',
      source: 'shop.orders',
      'detail-type': 'OrderPlaced',
      account: LOCAL_ACCOUNT,
      region: LOCAL_REGION,
      time: '2017-04-11T20:11:04Z',
      resources: [],
      detail: { total: 42 },
    });
    const test = (pattern: object) =>
      events.send(new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: event }));

    expect((await test({ detail: { total: [{ numeric: ['>', 40] }] } })).Result).toBe(true);
    expect((await test({ detail: { total: ['42'] } })).Result).toBe(false);
    await expect(test({ source: [{ contains: 'shop' }] })).rejects.toMatchObject({
      name: 'InvalidEventPatternException',
    });
    await expect(
      events.send(new TestEventPatternCommand({ EventPattern: '{"source":["x"]}', Event: '{}' })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('lists buses, rules and targets', async () => {
    await events.send(new CreateEventBusCommand({ Name: 'orders' }));
    await ruleWithTargets(
      'order-placed',
      { 'detail-type': ['OrderPlaced'] },
      [{ Id: 'validate', Arn: FUNCTION_ARN, RetryPolicy: { MaximumRetryAttempts: 4 } }],
      'orders',
    );
    await ruleWithTargets(
      'order-confirmed',
      { 'detail-type': ['OrderConfirmed'] },
      [{ Id: 'notify', Arn: FUNCTION_ARN }],
      'orders',
    );
    await ruleWithTargets(
      'payment-charged',
      { 'detail-type': ['PaymentCharged'] },
      [{ Id: 'reserve', Arn: FUNCTION_ARN }],
      'orders',
    );

    const { EventBuses } = await events.send(new ListEventBusesCommand({}));
    expect(EventBuses!.map((bus) => bus.Name)).toEqual(['default', 'orders']);

    const { Rules } = await events.send(new ListRulesCommand({ EventBusName: 'orders', NamePrefix: 'order-' }));
    expect(Rules!.map((rule) => rule.Name)).toEqual(['order-placed', 'order-confirmed']);
    expect(Rules![0]).toMatchObject({
      Arn: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/orders/order-placed`,
      EventPattern: '{"detail-type":["OrderPlaced"]}',
      State: 'ENABLED',
      EventBusName: 'orders',
    });
    expect((await events.send(new ListRulesCommand({}))).Rules).toEqual([]);

    const { Targets } = await events.send(
      new ListTargetsByRuleCommand({ Rule: 'order-placed', EventBusName: 'orders' }),
    );
    expect(Targets).toEqual([{ Id: 'validate', Arn: FUNCTION_ARN, RetryPolicy: { MaximumRetryAttempts: 4 } }]);
  });

  it('refuses to delete a rule that still has targets, and deletes it once they are removed', async () => {
    await ruleWithTargets('order-placed', { 'detail-type': ['OrderPlaced'] }, [{ Id: 'validate', Arn: FUNCTION_ARN }]);

    await expect(events.send(new DeleteRuleCommand({ Name: 'order-placed' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await events.send(new RemoveTargetsCommand({ Rule: 'order-placed', Ids: ['validate'] }));
    await events.send(new DeleteRuleCommand({ Name: 'order-placed' }));

    await expect(events.send(new DescribeRuleCommand({ Name: 'order-placed' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('rejects an invalid pattern and an unsupported target type', async () => {
    await expect(
      events.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"source":"shop"}' })),
    ).rejects.toMatchObject({
      name: 'InvalidEventPatternException',
    });
    await events.send(new PutRuleCommand({ Name: 'good', EventPattern: '{"source":["shop"]}' }));
    const result = await events.send(
      new PutTargetsCommand({
        Rule: 'good',
        Targets: [{ Id: 'sns', Arn: 'arn:aws:sns:us-east-1:000000000000:topic' }],
      }),
    );
    expect(result.FailedEntryCount).toBe(1);
    expect(result.FailedEntries![0]).toMatchObject({ TargetId: 'sns', ErrorCode: 'ValidationException' });
  });

  it('answers an unknown operation with UnknownOperationException', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'X-Amz-Target': 'AWSEvents.NoSuchOperation', 'Content-Type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});

function stringAttributes(message: Message): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
  );
}
