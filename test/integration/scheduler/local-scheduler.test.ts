/**
 * The local EventBridge Scheduler inside the local cloud, through the real SDK v3 client and the
 * AWS CLI: schedules fire on the local clock into SQS queues, a Lambda function and an EventBridge
 * bus; failures are retried per RetryPolicy and dead-lettered with AWS/Scheduler metrics; a due
 * one-time schedule is work the cloud waits for; a restarted cloud keeps its schedules.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  GetScheduleCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { PROJECT_ROOT, startLocalCloud, type LocalCloud } from '#cloud/cloud';
import { eventually } from '#test/helpers/wait';

const run = promisify(execFile);
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const ROLE = 'arn:aws:iam::000000000000:role/scheduler-test';
const FUNCTION = 'scheduler-forward';

let cloud: LocalCloud;
let scheduler: SchedulerClient;
let sqs: SQSClient;
let workDir: string;
let queueCounter = 0;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'scheduler-test-'));
  cloud = await startLocalCloud({
    ports: { dynamodb: 0, sqs: 0, eventbridge: 0, stepfunctions: 0, lambda: 0, scheduler: 0 },
    optional: ['scheduler', 'eventbridge', 'stepfunctions'],
    workDir,
  });
  scheduler = new SchedulerClient({ region: cloud.region, endpoint: cloud.endpoints.scheduler, credentials });
  sqs = new SQSClient({ region: cloud.region, endpoint: cloud.endpoints.sqs, credentials });
}, 120_000);

afterAll(async () => {
  scheduler?.destroy();
  sqs?.destroy();
  await cloud?.stop();
  await rm(workDir, { recursive: true, force: true });
});

async function createQueue(prefix: string, attributes: Record<string, string> = {}, client = sqs) {
  const fifo = attributes.FifoQueue === 'true';
  const name = `${prefix}-${++queueCounter}${fifo ? '.fifo' : ''}`;
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

async function receive(queueUrl: string, what: string, client = sqs): Promise<Message> {
  let message: Message | undefined;
  await eventually(
    async () => {
      const { Messages } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      message = Messages?.[0];
      return message !== undefined;
    },
    what,
    20_000,
  );
  return message as Message;
}

/** at(...) of an instant in UTC, whole seconds. */
function at(instantMs: number): string {
  return `at(${new Date(instantMs).toISOString().slice(0, 19)})`;
}

function oneTime(name: string, targetArn: string, extra: Partial<CreateScheduleCommandInput> = {}) {
  return new CreateScheduleCommand({
    Name: name,
    ScheduleExpression: 'at(2020-01-01T00:00:00)',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: { Arn: targetArn, RoleArn: ROLE, Input: JSON.stringify({ schedule: name }) },
    ...extra,
  });
}

describe('the local EventBridge Scheduler', () => {
  it('fires a one-time schedule into its queue at its time; the cloud waits for it, then it is deleted', async () => {
    const queue = await createQueue('timeout');
    const dueAt = Math.ceil((Date.now() + 3000) / 1000) * 1000;
    await scheduler.send(
      oneTime('review-timeout-o-1', queue.arn, { ScheduleExpression: at(dueAt), ActionAfterCompletion: 'DELETE' }),
    );
    expect(cloud.activity()).toContainEqual(expect.stringMatching(/^scheduler: 1 one-time/));

    // The cloud is not idle while the timeout is still due: idle() returns once it has fired.
    await cloud.idle();
    const message = await receive(queue.url, 'the timeout message');
    expect(JSON.parse(message.Body!)).toEqual({ schedule: 'review-timeout-o-1' });
    expect(Number(message.Attributes?.SentTimestamp)).toBeGreaterThanOrEqual(dueAt);
    await expect(scheduler.send(new GetScheduleCommand({ Name: 'review-timeout-o-1' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(cloud.activity().filter((line) => line.startsWith('scheduler'))).toEqual([]);
  });

  it('counts only enabled one-time schedules still to fire as pending work, not recurring or disabled ones', async () => {
    const queue = await createQueue('pending');
    const before = cloud.scheduler!.pending();
    await scheduler.send(oneTime('pending-one-time', queue.arn, { ScheduleExpression: 'at(2099-01-01T00:00:00)' }));
    await scheduler.send(
      oneTime('pending-disabled', queue.arn, { ScheduleExpression: 'at(2099-01-01T00:00:00)', State: 'DISABLED' }),
    );
    await scheduler.send(
      oneTime('pending-recurring', queue.arn, {
        ScheduleExpression: 'cron(0 12 * * ? *)',
        StartDate: new Date(Date.now() + 86_400_000),
      }),
    );
    expect(cloud.scheduler!.pending()).toBe(before + 1);
    for (const name of ['pending-one-time', 'pending-disabled', 'pending-recurring'])
      await scheduler.send(new DeleteScheduleCommand({ Name: name }));
    expect(cloud.scheduler!.pending()).toBe(before);
  });

  it('invokes a Lambda function asynchronously with the Input as its event', async () => {
    const forwarded = await createQueue('forwarded');
    await cloud.runtime.deploy({
      name: FUNCTION,
      entry: path.join(PROJECT_ROOT, 'test/integration/scheduler/forward-handler.ts'),
      exportName: 'handler',
      environment: {
        FORWARD_QUEUE_URL: forwarded.url,
        AWS_ENDPOINT_URL_SQS: cloud.endpoints.sqs,
        AWS_REGION: cloud.region,
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'x',
      },
      memoryMb: 256,
      timeoutSeconds: 10,
      async: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 },
    });
    await scheduler.send(oneTime('lambda-target', cloud.runtime.arnOf(FUNCTION)));
    expect(JSON.parse((await receive(forwarded.url, 'the forwarded event')).Body!)).toEqual({
      schedule: 'lambda-target',
    });
  });

  it('puts an event on an EventBridge bus, as a templated target and as the universal putEvents target', async () => {
    const events = new EventBridgeClient({ region: cloud.region, endpoint: cloud.endpoints.eventbridge, credentials });
    try {
      const caught = await createQueue('bus-events');
      const { EventBusArn } = await events.send(new CreateEventBusCommand({ Name: 'scheduler-test-bus' }));
      await events.send(
        new PutRuleCommand({
          Name: 'review-timeouts',
          EventBusName: 'scheduler-test-bus',
          EventPattern: JSON.stringify({ source: ['orders.review'] }),
        }),
      );
      await events.send(
        new PutTargetsCommand({
          Rule: 'review-timeouts',
          EventBusName: 'scheduler-test-bus',
          Targets: [{ Id: 'queue', Arn: caught.arn }],
        }),
      );
      await scheduler.send(
        oneTime('bus-templated', EventBusArn!, {
          Target: {
            Arn: EventBusArn!,
            RoleArn: ROLE,
            Input: JSON.stringify({ orderId: 'o-templated' }),
            EventBridgeParameters: { DetailType: 'ReviewTimedOut', Source: 'orders.review' },
          },
        }),
      );
      const templated = JSON.parse((await receive(caught.url, 'the templated event')).Body!);
      expect(templated).toMatchObject({
        source: 'orders.review',
        'detail-type': 'ReviewTimedOut',
        detail: { orderId: 'o-templated' },
      });

      const entry = {
        EventBusName: 'scheduler-test-bus',
        Source: 'orders.review',
        DetailType: 'ReviewTimedOut',
        Detail: JSON.stringify({ orderId: 'o-universal' }),
      };
      await scheduler.send(
        oneTime('bus-universal', 'arn:aws:scheduler:::aws-sdk:eventbridge:putEvents', {
          Target: {
            Arn: 'arn:aws:scheduler:::aws-sdk:eventbridge:putEvents',
            RoleArn: ROLE,
            Input: JSON.stringify({ Entries: [entry] }),
          },
        }),
      );
      const universal = JSON.parse((await receive(caught.url, 'the universal target event')).Body!);
      expect(universal.detail).toEqual({ orderId: 'o-universal' });
    } finally {
      events.destroy();
    }
  });

  it('starts a Step Functions execution with the Input', async () => {
    const sfn = new SFNClient({ region: cloud.region, endpoint: cloud.endpoints.stepfunctions, credentials });
    try {
      const { stateMachineArn } = await sfn.send(
        new CreateStateMachineCommand({
          name: 'review-timeout-machine',
          roleArn: ROLE,
          definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
        }),
      );
      await scheduler.send(oneTime('sfn-target', stateMachineArn!));
      let executionArn: string | undefined;
      await eventually(async () => {
        const { executions = [] } = await sfn.send(
          new ListExecutionsCommand({ stateMachineArn, statusFilter: 'SUCCEEDED' }),
        );
        executionArn = executions[0]?.executionArn;
        return executionArn !== undefined;
      }, 'the execution the schedule started');
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      expect(JSON.parse(described.input!)).toEqual({ schedule: 'sfn-target' });
    } finally {
      sfn.destroy();
    }
  });

  it('sends to a FIFO queue with the MessageGroupId of SqsParameters', async () => {
    const queue = await createQueue('fifo', { FifoQueue: 'true' });
    await scheduler.send(
      oneTime('fifo-target', queue.arn, {
        Target: { Arn: queue.arn, RoleArn: ROLE, Input: 'timeout', SqsParameters: { MessageGroupId: 'o-9' } },
      }),
    );
    const message = await receive(queue.url, 'the FIFO message');
    expect([message.Body, message.Attributes?.MessageGroupId]).toEqual(['timeout', 'o-9']);
  });

  it('retries a failing target per its RetryPolicy, then sends the dead-letter event and reports AWS/Scheduler metrics', async () => {
    const dlq = await createQueue('scheduler-dlq');
    const missing = `arn:aws:sqs:${cloud.region}:${cloud.account}:no-such-queue`;
    const { ScheduleArn } = await scheduler.send(
      oneTime('failing-target', missing, {
        GroupName: 'default',
        Target: {
          Arn: missing,
          RoleArn: ROLE,
          Input: 'lost?',
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
          DeadLetterConfig: { Arn: dlq.arn },
        },
      }),
    );
    const deadLetter = await receive(dlq.url, 'the dead-letter event');
    const attribute = (name: string) => deadLetter.MessageAttributes?.[name]?.StringValue;
    expect(deadLetter.Body).toBe('lost?');
    expect([attribute('X-Amz-Scheduler-Attempt'), attribute('X-Amz-Scheduler-Schedule-Arn')]).toEqual([
      '3',
      ScheduleArn,
    ]);
    expect(attribute('X-Amz-Scheduler-Target-Arn')).toBe(missing);
    expect(attribute('X-Amz-Scheduler-Error-Code')).toMatch(/NonExistentQueue|QueueDoesNotExist/);

    const sum = (metricName: string) =>
      cloud.metrics
        .query(
          { namespace: 'AWS/Scheduler', metricName, dimensions: [{ Name: 'ScheduleGroup', Value: 'default' }] },
          0,
          Date.now() + 1000,
          60,
          'Sum',
        )
        .values.reduce((a, b) => a + b, 0);
    expect(sum('TargetErrorCount')).toBeGreaterThanOrEqual(3);
    expect(sum('InvocationsSentToDeadLetterCount')).toBeGreaterThanOrEqual(1);
  });

  it('answers the AWS CLI: create-schedule fires into the queue, a bad expression is refused by name', async () => {
    const queue = await createQueue('cli');
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_DEFAULT_REGION: cloud.region,
    };
    const cli = (...args: string[]) =>
      run('aws', ['--endpoint-url', cloud.endpoints.scheduler, '--output', 'json', 'scheduler', ...args], { env });
    const target = JSON.stringify({ Arn: queue.arn, RoleArn: ROLE, Input: 'from the CLI' });
    const { stdout } = await cli(
      'create-schedule',
      '--name',
      'cli-timeout',
      '--schedule-expression',
      'at(2020-01-01T09:00:00)',
      '--schedule-expression-timezone',
      'Europe/Paris',
      '--flexible-time-window',
      'Mode=OFF',
      '--target',
      target,
    );
    expect(JSON.parse(stdout).ScheduleArn).toMatch(/:schedule\/default\/cli-timeout$/);
    expect((await receive(queue.url, 'the CLI schedule message')).Body).toBe('from the CLI');
    const refused = cli(
      'create-schedule',
      '--name',
      'cli-bad',
      '--schedule-expression',
      'rate(10 seconds)',
      '--flexible-time-window',
      'Mode=OFF',
      '--target',
      target,
    );
    await expect(refused).rejects.toMatchObject({
      stderr: expect.stringContaining(
        '(ValidationException) when calling the CreateSchedule operation: Invalid Schedule Expression rate(10 seconds).',
      ),
    });
  }, 60_000);
});

/** A local cloud with only the Scheduler beside the core, keeping its schedules in `dir`. */
const persistedCloud = (dir: string) => ({
  ports: { dynamodb: 0, sqs: 0, lambda: 0, scheduler: 0 },
  optional: ['scheduler' as const],
  workDir: dir,
  persistState: true,
});

describe('a restarted local cloud with persisted schedules', () => {
  it('still fires the timeout of an order that was waiting, once its queue is deployed again', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'scheduler-restart-'));
    const options = persistedCloud(dir);
    const clients = (c: LocalCloud) => ({
      sqs: new SQSClient({ region: c.region, endpoint: c.endpoints.sqs, credentials }),
      scheduler: new SchedulerClient({ region: c.region, endpoint: c.endpoints.scheduler, credentials }),
    });
    const queueName = 'review-timeouts';
    const dueAt = Math.ceil((Date.now() + 3000) / 1000) * 1000;
    let running: LocalCloud | undefined;
    try {
      running = await startLocalCloud(options);
      const before = clients(running);
      const { QueueUrl } = await before.sqs.send(new CreateQueueCommand({ QueueName: queueName }));
      const { Attributes } = await before.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      await before.scheduler.send(
        oneTime('waiting-order', Attributes!.QueueArn!, {
          ScheduleExpression: at(dueAt),
          ActionAfterCompletion: 'DELETE',
        }),
      );
      before.sqs.destroy();
      before.scheduler.destroy();
      await running.stop();

      // The SQS emulator keeps nothing across the restart; the schedule is kept, and fires once the
      // stack's queue exists again (a target missing meanwhile is retried, as AWS retries it).
      running = await startLocalCloud(options);
      const after = clients(running);
      try {
        expect((await after.scheduler.send(new GetScheduleCommand({ Name: 'waiting-order' }))).ScheduleExpression).toBe(
          at(dueAt),
        );
        const { QueueUrl: again } = await after.sqs.send(new CreateQueueCommand({ QueueName: queueName }));
        const message = await receive(again!, 'the timeout after the restart', after.sqs);
        expect(JSON.parse(message.Body!)).toEqual({ schedule: 'waiting-order' });
        expect(Number(message.Attributes?.SentTimestamp)).toBeGreaterThanOrEqual(dueAt);
        await running.idle();
        await expect(after.scheduler.send(new GetScheduleCommand({ Name: 'waiting-order' }))).rejects.toMatchObject({
          name: 'ResourceNotFoundException',
        });
      } finally {
        after.sqs.destroy();
        after.scheduler.destroy();
      }
    } finally {
      await running?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("holds a due schedule of a stack's group until that stack is deployed again", async () => {
    // A restarted cloud has no stacks yet: a restored schedule of a stack's group fires once the
    // stack is redeployed, not against missing targets and then on the retry backoff.
    const dir = await mkdtemp(path.join(tmpdir(), 'scheduler-hold-'));
    const options = persistedCloud(dir);
    let running: LocalCloud | undefined;
    try {
      running = await startLocalCloud(options);
      const group = running.scheduler!.createScheduleGroup('shop-local-reviews');
      expect(group).toContain('schedule-group/shop-local-reviews');
      const before = {
        sqs: new SQSClient({ region: running.region, endpoint: running.endpoints.sqs, credentials }),
        scheduler: new SchedulerClient({ region: running.region, endpoint: running.endpoints.scheduler, credentials }),
      };
      const { QueueUrl } = await before.sqs.send(new CreateQueueCommand({ QueueName: 'held-timeouts' }));
      const { Attributes } = await before.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      // Due in an hour: it cannot fire before the restart; it is made due while the cloud is down.
      await before.scheduler.send(
        oneTime('held-order', Attributes!.QueueArn!, {
          GroupName: 'shop-local-reviews',
          ScheduleExpression: at(Date.now() + 3_600_000),
        }),
      );
      before.sqs.destroy();
      before.scheduler.destroy();
      await running.stop();
      const stateFile = path.join(dir, 'scheduler', 'schedules.json');
      const state = JSON.parse(await readFile(stateFile, 'utf8')) as {
        schedules: Array<{ definition: { ScheduleExpression: string } }>;
      };
      for (const schedule of state.schedules) schedule.definition.ScheduleExpression = at(Date.now() - 60_000);
      await writeFile(stateFile, JSON.stringify(state));

      running = await startLocalCloud(options);
      const after = new SQSClient({ region: running.region, endpoint: running.endpoints.sqs, credentials });
      try {
        const { QueueUrl: again } = await after.send(new CreateQueueCommand({ QueueName: 'held-timeouts' }));
        // Nothing fires and nothing is pending while the group's stack is not deployed.
        expect(running.scheduler!.pending()).toBe(0);
        await running.idle();
        const { Attributes: counts } = await after.send(
          new GetQueueAttributesCommand({ QueueUrl: again, AttributeNames: ['ApproximateNumberOfMessages'] }),
        );
        expect(counts?.ApproximateNumberOfMessages).toBe('0');
        running.scheduler!.releaseScheduleGroup('shop-local-reviews');
        const message = await receive(again!, 'the held timeout once its stack is back', after);
        expect(JSON.parse(message.Body!)).toEqual({ schedule: 'held-order' });
      } finally {
        after.destroy();
      }
    } finally {
      await running?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
