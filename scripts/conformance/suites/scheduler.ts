/**
 * The EventBridge Scheduler behaviour the review timeouts rely on, as the Scheduler User Guide and
 * API Reference document it (and as AWS answered the requests recorded in public emulators' test
 * snapshots): schedule expressions and time zones, one-time schedules (a time already past fires at
 * once), ActionAfterCompletion, UpdateSchedule replacing the whole schedule, ClientToken
 * idempotency, schedule groups and their tags, listing with filters and pages, and the errors with
 * their messages. Each case uses schedules and queues of its own, so cases run side by side.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListScheduleGroupsCommand,
  ListSchedulesCommand,
  ListTagsForResourceCommand,
  SchedulerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { ConformanceCase, ConformanceContext, ConformanceSuite } from '../types.ts';

const GUIDE = 'https://docs.aws.amazon.com/scheduler/latest/UserGuide';
const API = 'https://docs.aws.amazon.com/scheduler/latest/APIReference';
const ROLE = 'arn:aws:iam::000000000000:role/scheduler-conformance';
/** Longest a case waits for a schedule to deliver. */
const WAIT_CAP_MS = 15_000;

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const schedulers = new Map<string, SchedulerClient>();
const queues = new Map<string, SQSClient>();

function scheduler(ctx: ConformanceContext): SchedulerClient {
  const endpoint = ctx.endpoints.scheduler!;
  let client = schedulers.get(endpoint);
  if (!client) schedulers.set(endpoint, (client = new SchedulerClient({ region: ctx.region, endpoint, credentials })));
  return client;
}

function sqs(ctx: ConformanceContext): SQSClient {
  const endpoint = ctx.endpoints.sqs!;
  let client = queues.get(endpoint);
  if (!client) queues.set(endpoint, (client = new SQSClient({ region: ctx.region, endpoint, credentials })));
  return client;
}

function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

async function createQueue(ctx: ConformanceContext): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs(ctx).send(new CreateQueueCommand({ QueueName: unique('scheduler-conformance') }));
  const { Attributes } = await sqs(ctx).send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

/** `at(...)` for an instant, in the wall time of `timeZone`. */
function atExpression(instantMs: number, timeZone = 'UTC'): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(instantMs))
      .map((part) => [part.type, part.value]),
  );
  return `at(${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second})`;
}

function schedule(
  name: string,
  queueArn: string,
  extra: Partial<CreateScheduleCommandInput> = {},
): CreateScheduleCommandInput {
  return {
    Name: name,
    ScheduleExpression: 'at(2020-01-01T00:00:00)',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: { Arn: queueArn, RoleArn: ROLE, Input: name },
    ...extra,
  };
}

async function receiveEventually(ctx: ConformanceContext, queueUrl: string, what: string): Promise<Message> {
  const deadline = Date.now() + WAIT_CAP_MS;
  while (Date.now() < deadline) {
    const { Messages } = await sqs(ctx).send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    if (Messages?.[0]) return Messages[0];
  }
  throw new Error(`${what}: no message within ${WAIT_CAP_MS / 1000} s`);
}

async function expectEmpty(ctx: ConformanceContext, queueUrl: string, what: string): Promise<void> {
  const { Messages } = await sqs(ctx).send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
  if (Messages?.length) throw new Error(`${what}: expected no message, received ${Messages.length}`);
}

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

async function expectError(
  action: () => Promise<unknown>,
  expected: { name: string; status: number; message?: string | RegExp },
  what: string,
): Promise<void> {
  try {
    await action();
  } catch (error) {
    const { name, message } = error as Error;
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const messageOk =
      expected.message === undefined ||
      (typeof expected.message === 'string' ? message === expected.message : expected.message.test(message));
    if (name === expected.name && status === expected.status && messageOk) return;
    throw new Error(`${what}: expected ${expected.name} (${expected.status}), got ${name} (${status}): ${message}`);
  }
  throw new Error(`${what}: expected ${expected.name}, the call succeeded`);
}

/** Waits until GetSchedule answers ResourceNotFoundException (a schedule deleted after completion). */
async function goneEventually(ctx: ConformanceContext, name: string, group?: string): Promise<void> {
  const deadline = Date.now() + WAIT_CAP_MS;
  while (Date.now() < deadline) {
    try {
      await scheduler(ctx).send(new GetScheduleCommand({ Name: name, ...(group ? { GroupName: group } : {}) }));
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return;
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`schedule ${name} still exists after ${WAIT_CAP_MS / 1000} s`);
}

/** Expressions AWS refused with "Invalid Schedule Expression <expression>." (recorded against AWS). */
const INVALID_EXPRESSIONS = [
  'cron(0 1 * * * *)',
  'cron(7 20 * * NOT *)',
  'cron(INVALID)',
  'cron(0 dummy ? * MON-FRI *)',
  'cron(71 8 1 * ? *)',
  'cron()',
  'rate(10 seconds)',
  'rate(10 years)',
  'rate()',
  'rate(10)',
  'rate(10 minutess)',
  'rate(foo minutes)',
  'rate(-10 minutes)',
  'rate( 10 minutes )',
  ' rate(10 minutes)',
  'at(2021-12-31T23:59:59Z)',
  'at(2021-12-31)',
];

/** Expressions AWS accepted (recorded against AWS). */
const VALID_EXPRESSIONS = [
  'cron(0-15/1 8-8 ? * 2,3,4,5,6,7 *)',
  'cron(30-30 13-13 ? * 2,4,6 *)',
  'cron(1-31/30 1-1 ? * 1,7 *)',
  'cron(0 18 ? * MON-FRI *)',
  'cron(*/15 * * * ? *)',
  'cron(0-59/10 0-23/2 ? * * *)',
  'cron(0 10 ? * 6L 2030)',
  'cron(15 10 ? * 6#3 *)',
  'cron(0 8 15W * ? *)',
  'cron(0 8 L * ? *)',
  'rate(1 minute)',
  'rate(5 minutes)',
  'rate(12 hours)',
  'rate(7 days)',
  'at(2022-12-31T23:59:59)',
];

const cases: ConformanceCase[] = [
  {
    name: 'Schedule expressions > each invalid expression is refused as "Invalid Schedule Expression ..."',
    source: `${API}/API_CreateSchedule.html`,
    run: async (ctx) => {
      for (const expression of INVALID_EXPRESSIONS) {
        await expectError(
          () =>
            scheduler(ctx).send(
              new CreateScheduleCommand(
                schedule(unique('invalid'), 'arn:aws:sqs:us-east-1:000000000000:none', {
                  ScheduleExpression: expression,
                }),
              ),
            ),
          { name: 'ValidationException', status: 400, message: `Invalid Schedule Expression ${expression}.` },
          expression,
        );
      }
    },
  },
  {
    name: 'Schedule expressions > at, rate and cron expressions of every documented form are accepted',
    source: `${GUIDE}/schedule-types.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx);
      for (const expression of VALID_EXPRESSIONS) {
        const name = unique('valid');
        // Disabled: the case checks the expressions, it does not want their invocations.
        await scheduler(ctx).send(
          new CreateScheduleCommand(schedule(name, queue.arn, { ScheduleExpression: expression, State: 'DISABLED' })),
        );
        const got = await scheduler(ctx).send(new GetScheduleCommand({ Name: name }));
        expectEqual(got.ScheduleExpression, expression, 'ScheduleExpression read back');
      }
    },
  },
  {
    name: 'Schedule expressions > ScheduleExpressionTimezone must be a time zone database name',
    source: `${GUIDE}/schedule-types.html#time-zones`,
    run: async (ctx) => {
      const queue = await createQueue(ctx);
      for (const zone of ['Mars/Olympus_Mons', '+02:00', 'europe/paris']) {
        await expectError(
          () =>
            scheduler(ctx).send(
              new CreateScheduleCommand(schedule(unique('tz'), queue.arn, { ScheduleExpressionTimezone: zone })),
            ),
          { name: 'ValidationException', status: 400, message: /ScheduleExpressionTimezone/ },
          zone,
        );
      }
    },
  },
  {
    name: 'One-time schedules > an at() time in a time zone fires at that wall time there',
    source: `${GUIDE}/schedule-types.html#one-time`,
    run: async (ctx) => {
      const queue = await createQueue(ctx);
      // Two seconds from now, written as Tokyo's wall clock (UTC+9): read as UTC it would be hours away.
      const fireAt = Math.ceil((Date.now() + 2000) / 1000) * 1000;
      await scheduler(ctx).send(
        new CreateScheduleCommand(
          schedule(unique('tokyo'), queue.arn, {
            ScheduleExpression: atExpression(fireAt, 'Asia/Tokyo'),
            ScheduleExpressionTimezone: 'Asia/Tokyo',
          }),
        ),
      );
      const message = await receiveEventually(ctx, queue.url, 'the Tokyo schedule');
      const sent = Number(message.Attributes?.SentTimestamp);
      if (!(sent >= fireAt)) throw new Error(`delivered at ${sent}, before its time ${fireAt}`);
    },
  },
  {
    name: 'One-time schedules > a time already past fires at once; ActionAfterCompletion DELETE then deletes it',
    source: `${GUIDE}/managing-schedule-delete.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx);
      const name = unique('past');
      await scheduler(ctx).send(
        new CreateScheduleCommand(schedule(name, queue.arn, { ActionAfterCompletion: 'DELETE' })),
      );
      expectEqual((await receiveEventually(ctx, queue.url, 'the past schedule')).Body, name, 'delivered Input');
      await goneEventually(ctx, name);
    },
  },
  {
    name: 'One-time schedules > with ActionAfterCompletion NONE it stays after firing, and fires once',
    source: `${API}/API_CreateSchedule.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx);
      const name = unique('kept');
      await scheduler(ctx).send(new CreateScheduleCommand(schedule(name, queue.arn)));
      await receiveEventually(ctx, queue.url, 'the schedule');
      const got = await scheduler(ctx).send(new GetScheduleCommand({ Name: name }));
      expectEqual([got.State, got.ActionAfterCompletion], ['ENABLED', 'NONE'], 'the schedule after firing');
      await expectEmpty(ctx, queue.url, 'a second invocation');
    },
  },
  {
    name: 'One-time schedules > a DISABLED schedule does not fire until it is updated to ENABLED',
    source: `${GUIDE}/managing-schedule-state.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx);
      const name = unique('disabled');
      const input = schedule(name, queue.arn);
      await scheduler(ctx).send(new CreateScheduleCommand({ ...input, State: 'DISABLED' }));
      await expectEmpty(ctx, queue.url, 'the disabled schedule');
      await scheduler(ctx).send(new UpdateScheduleCommand({ ...input, State: 'ENABLED' }));
      expectEqual((await receiveEventually(ctx, queue.url, 'the enabled schedule')).Body, name, 'delivered Input');
    },
  },
  {
    name: 'Targets > context attributes in the Input are replaced at each invocation',
    source: `${GUIDE}/managing-schedule-context-attributes.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx);
      const name = unique('context');
      const { ScheduleArn } = await scheduler(ctx).send(
        new CreateScheduleCommand(
          schedule(name, queue.arn, {
            Target: {
              Arn: queue.arn,
              RoleArn: ROLE,
              Input: JSON.stringify({
                arn: '<aws.scheduler.schedule-arn>',
                time: '<aws.scheduler.scheduled-time>',
                attempt: '<aws.scheduler.attempt-number>',
                id: '<aws.scheduler.execution-id>',
              }),
            },
          }),
        ),
      );
      const body = JSON.parse((await receiveEventually(ctx, queue.url, 'the schedule')).Body ?? '{}');
      expectEqual(
        [body.arn, body.time, body.attempt],
        [ScheduleArn, '2020-01-01T00:00:00Z', '1'],
        'context attributes',
      );
      if (!/^[\w-]{8,}$/.test(body.id)) throw new Error(`execution id ${body.id}`);
    },
  },
  {
    name: 'Recurring schedules > a rate schedule without a StartDate invokes its target at once',
    source: `${GUIDE}/schedule-types.html#rate-based`,
    run: async (ctx) => {
      const queue = await createQueue(ctx);
      const name = unique('rate');
      await scheduler(ctx).send(
        new CreateScheduleCommand(schedule(name, queue.arn, { ScheduleExpression: 'rate(1 day)' })),
      );
      expectEqual((await receiveEventually(ctx, queue.url, 'the rate schedule')).Body, name, 'delivered Input');
      await scheduler(ctx).send(new DeleteScheduleCommand({ Name: name }));
    },
  },
  {
    name: 'CreateSchedule > the defaults are read back: State ENABLED, ActionAfterCompletion NONE, the default group',
    source: `${API}/API_GetSchedule.html`,
    run: async (ctx) => {
      const name = unique('defaults');
      const { ScheduleArn } = await scheduler(ctx).send(
        new CreateScheduleCommand(
          schedule(name, 'arn:aws:sqs:us-east-1:000000000000:q', {
            ScheduleExpression: 'rate(5 minutes)',
            State: 'DISABLED',
          }),
        ),
      );
      const got = await scheduler(ctx).send(new GetScheduleCommand({ Name: name }));
      expectEqual(
        [got.Arn, got.GroupName, got.ActionAfterCompletion, got.FlexibleTimeWindow, got.Target?.RetryPolicy],
        [
          ScheduleArn,
          'default',
          'NONE',
          { Mode: 'OFF' },
          { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
        ],
        'GetSchedule',
      );
      if (!/^arn:aws:scheduler:[a-z0-9-]+:\d{12}:schedule\/default\//.test(ScheduleArn ?? ''))
        throw new Error(`ScheduleArn ${ScheduleArn}`);
      if (!(got.CreationDate instanceof Date)) throw new Error('no CreationDate');
    },
  },
  {
    name: 'CreateSchedule > a name taken in the group is ConflictException; the same ClientToken is not',
    source: `${API}/API_CreateSchedule.html`,
    run: async (ctx) => {
      const input = schedule(unique('token'), 'arn:aws:sqs:us-east-1:000000000000:q', {
        State: 'DISABLED',
        ClientToken: randomUUID(),
      });
      const first = await scheduler(ctx).send(new CreateScheduleCommand(input));
      const retried = await scheduler(ctx).send(new CreateScheduleCommand(input));
      expectEqual(retried.ScheduleArn, first.ScheduleArn, 'a retry with the same ClientToken');
      await expectError(
        () => scheduler(ctx).send(new CreateScheduleCommand({ ...input, ClientToken: randomUUID() })),
        { name: 'ConflictException', status: 409, message: `Schedule ${input.Name} already exists.` },
        'another create of the name',
      );
    },
  },
  {
    name: 'Errors > an unknown schedule or group is ResourceNotFoundException (404)',
    source: `${API}/API_GetSchedule.html`,
    run: async (ctx) => {
      const name = unique('missing');
      await expectError(
        () => scheduler(ctx).send(new GetScheduleCommand({ Name: name })),
        { name: 'ResourceNotFoundException', status: 404, message: `Schedule ${name} does not exist.` },
        'GetSchedule',
      );
      await expectError(
        () => scheduler(ctx).send(new DeleteScheduleCommand({ Name: name })),
        { name: 'ResourceNotFoundException', status: 404 },
        'DeleteSchedule',
      );
      await expectError(
        () =>
          scheduler(ctx).send(
            new CreateScheduleCommand(schedule(name, 'arn:aws:sqs:us-east-1:000000000000:q', { GroupName: name })),
          ),
        { name: 'ResourceNotFoundException', status: 404, message: `Schedule group ${name} does not exist.` },
        'CreateSchedule in an unknown group',
      );
    },
  },
  {
    name: 'Errors > a field breaking the model is named in the ValidationException',
    source: `${API}/CommonErrors.html`,
    run: async (ctx) => {
      await expectError(
        () =>
          scheduler(ctx).send(
            new CreateScheduleCommand(
              schedule(unique('role'), 'arn:aws:sqs:us-east-1:000000000000:q', {
                Target: { Arn: 'arn:aws:sqs:us-east-1:000000000000:q', RoleArn: 'not-a-role' },
              }),
            ),
          ),
        { name: 'ValidationException', status: 400, message: /at 'target\.roleArn' failed to satisfy constraint/ },
        'RoleArn',
      );
      await expectError(
        () =>
          scheduler(ctx).send(
            new CreateScheduleCommand(
              schedule(unique('window'), 'arn:aws:sqs:us-east-1:000000000000:q', {
                FlexibleTimeWindow: { Mode: 'FLEXIBLE' },
              }),
            ),
          ),
        { name: 'ValidationException', status: 400, message: /MaximumWindowInMinutes/ },
        'FLEXIBLE without MaximumWindowInMinutes',
      );
      await expectError(
        () =>
          scheduler(ctx).send(
            new CreateScheduleCommand(
              schedule(unique('retry'), 'arn:aws:sqs:us-east-1:000000000000:q', {
                Target: {
                  Arn: 'arn:aws:sqs:us-east-1:000000000000:q',
                  RoleArn: ROLE,
                  RetryPolicy: { MaximumRetryAttempts: 186 },
                },
              }),
            ),
          ),
        { name: 'ValidationException', status: 400, message: /'target\.retryPolicy\.maximumRetryAttempts'/ },
        'MaximumRetryAttempts 186',
      );
    },
  },
  {
    name: 'UpdateSchedule > replaces the whole schedule: what it leaves out takes its default',
    source: `${API}/API_UpdateSchedule.html`,
    run: async (ctx) => {
      const name = unique('update');
      const input = schedule(name, 'arn:aws:sqs:us-east-1:000000000000:q', {
        ScheduleExpression: 'rate(1 hour)',
        State: 'DISABLED',
        Description: 'first',
        ActionAfterCompletion: 'DELETE',
        ScheduleExpressionTimezone: 'Europe/Paris',
      });
      await scheduler(ctx).send(new CreateScheduleCommand(input));
      await scheduler(ctx).send(
        new UpdateScheduleCommand({
          Name: name,
          ScheduleExpression: 'rate(2 hours)',
          FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 5 },
          Target: input.Target,
          State: 'DISABLED',
        }),
      );
      const got = await scheduler(ctx).send(new GetScheduleCommand({ Name: name }));
      expectEqual(
        [got.ScheduleExpression, got.Description, got.ActionAfterCompletion, got.ScheduleExpressionTimezone],
        ['rate(2 hours)', undefined, 'NONE', undefined],
        'the updated schedule',
      );
      if (!(got.LastModificationDate! >= got.CreationDate!))
        throw new Error('LastModificationDate before CreationDate');
    },
  },
  {
    name: 'ListSchedules > filters by group, name prefix and state, in pages',
    source: `${API}/API_ListSchedules.html`,
    run: async (ctx) => {
      const group = unique('list-group');
      await scheduler(ctx).send(new CreateScheduleGroupCommand({ Name: group }));
      const target = 'arn:aws:sqs:us-east-1:000000000000:q';
      for (const [name, state] of [
        ['a-1', 'DISABLED'],
        ['a-2', 'DISABLED'],
        ['a-3', 'DISABLED'],
        ['b-1', 'DISABLED'],
      ] as const) {
        await scheduler(ctx).send(
          new CreateScheduleCommand(
            schedule(name, target, { GroupName: group, ScheduleExpression: 'rate(1 hour)', State: state }),
          ),
        );
      }
      const names: string[] = [];
      let NextToken: string | undefined;
      let pages = 0;
      do {
        const page = await scheduler(ctx).send(
          new ListSchedulesCommand({ GroupName: group, NamePrefix: 'a-', MaxResults: 2, NextToken }),
        );
        names.push(...(page.Schedules ?? []).map((s) => s.Name!));
        NextToken = page.NextToken;
        pages++;
      } while (NextToken);
      expectEqual([names.sort(), pages], [['a-1', 'a-2', 'a-3'], 2], 'NamePrefix a- in pages of 2');
      const enabled = await scheduler(ctx).send(new ListSchedulesCommand({ GroupName: group, State: 'ENABLED' }));
      expectEqual(enabled.Schedules, [], 'State ENABLED');
      const all = await scheduler(ctx).send(new ListSchedulesCommand({ GroupName: group }));
      expectEqual(all.Schedules?.[0]?.Target, { Arn: target }, 'a summary names its target');
    },
  },
  {
    name: 'Schedule groups > the default group exists and cannot be deleted; deleting a group deletes its schedules',
    source: `${GUIDE}/managing-schedule-group.html`,
    run: async (ctx) => {
      const fallback = await scheduler(ctx).send(new GetScheduleGroupCommand({ Name: 'default' }));
      expectEqual([fallback.Name, fallback.State], ['default', 'ACTIVE'], 'the default group');
      await expectError(
        () => scheduler(ctx).send(new DeleteScheduleGroupCommand({ Name: 'default' })),
        { name: 'ValidationException', status: 400 },
        'deleting the default group',
      );
      const group = unique('group');
      const { ScheduleGroupArn } = await scheduler(ctx).send(new CreateScheduleGroupCommand({ Name: group }));
      await expectError(
        () => scheduler(ctx).send(new CreateScheduleGroupCommand({ Name: group })),
        { name: 'ConflictException', status: 409 },
        'a second group of the name',
      );
      const listed = await scheduler(ctx).send(new ListScheduleGroupsCommand({ NamePrefix: group }));
      expectEqual(
        listed.ScheduleGroups?.map((g) => g.Arn),
        [ScheduleGroupArn],
        'ListScheduleGroups',
      );
      const name = unique('grouped');
      await scheduler(ctx).send(
        new CreateScheduleCommand(
          schedule(name, 'arn:aws:sqs:us-east-1:000000000000:q', { GroupName: group, State: 'DISABLED' }),
        ),
      );
      await scheduler(ctx).send(new DeleteScheduleGroupCommand({ Name: group }));
      await expectError(
        () => scheduler(ctx).send(new GetScheduleGroupCommand({ Name: group })),
        { name: 'ResourceNotFoundException', status: 404 },
        'the deleted group',
      );
      const left = await scheduler(ctx).send(new ListSchedulesCommand({ NamePrefix: name }));
      expectEqual(left.Schedules, [], 'schedules of the deleted group');
    },
  },
  {
    name: 'Tags > a schedule group is tagged, listed and untagged',
    source: `${API}/API_TagResource.html`,
    run: async (ctx) => {
      const tags = [
        { Key: 'team', Value: 'orders' },
        { Key: 'stage', Value: 'local' },
      ];
      const { ScheduleGroupArn } = await scheduler(ctx).send(
        new CreateScheduleGroupCommand({ Name: unique('tagged'), Tags: [tags[0]!] }),
      );
      await scheduler(ctx).send(new TagResourceCommand({ ResourceArn: ScheduleGroupArn, Tags: [tags[1]!] }));
      const listed = await scheduler(ctx).send(new ListTagsForResourceCommand({ ResourceArn: ScheduleGroupArn }));
      expectEqual(listed.Tags, tags, 'tags');
      await scheduler(ctx).send(new UntagResourceCommand({ ResourceArn: ScheduleGroupArn, TagKeys: ['team'] }));
      const after = await scheduler(ctx).send(new ListTagsForResourceCommand({ ResourceArn: ScheduleGroupArn }));
      expectEqual(after.Tags, [tags[1]], 'tags after UntagResource');
    },
  },
];

export const suite: ConformanceSuite = { name: 'scheduler', services: ['scheduler', 'sqs'], cases };
