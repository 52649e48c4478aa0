import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  findBreaches,
  packageService,
  resourcesOfType,
  statementsOf,
  type CfnResource,
  type CfnTemplate,
} from '../helpers/template.ts';

let template: CfnTemplate;

beforeAll(async () => {
  template = await packageService('eventbridge-flags');
}, 120_000);

const FUNCTIONS = [
  'PlaceOrder',
  'GetOrder',
  'ReviewOrder',
  'ValidateOrder',
  'ChargePayment',
  'ReserveInventory',
  'SendConfirmation',
  'CompensateOrder',
  'NotifyWarehouse',
  'TimeOutReview',
];
const STEPS: Record<string, { detailType: string; dlq: string }> = {
  ValidateOrder: { detailType: 'OrderPlaced', dlq: 'ValidateOrderDlq' },
  ChargePayment: { detailType: 'OrderValidated', dlq: 'ChargePaymentDlq' },
  ReserveInventory: { detailType: 'PaymentCharged', dlq: 'ReserveInventoryDlq' },
  SendConfirmation: { detailType: 'InventoryReserved', dlq: 'SendConfirmationDlq' },
  CompensateOrder: { detailType: 'OrderStepFailed', dlq: 'CompensateOrderDlq' },
  NotifyWarehouse: { detailType: 'OrderConfirmed', dlq: 'NotifyWarehouseDlq' },
  TimeOutReview: { detailType: 'ReviewTimedOut', dlq: 'TimeOutReviewDlq' },
};

const roleOf = (fn: string): CfnResource => template.Resources[`${fn}Role`]!;
const actionsOf = (fn: string) =>
  statementsOf(roleOf(fn)).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
const resourcesFor = (fn: string, action: string) =>
  statementsOf(roleOf(fn))
    .filter((s) => [s.Action].flat().includes(action))
    .flatMap((s) => [s.Resource].flat());

describe('eventbridge-flags packaged template', () => {
  it('breaks none of the deploy rules', () => {
    expect(findBreaches(template)).toEqual([]);
  });

  it('routes each event type to its step by a rule on the custom bus, with a retry policy and a DLQ', () => {
    const rules = resourcesOfType(template, 'AWS::Events::Rule');
    expect(rules).toHaveLength(Object.keys(STEPS).length);
    for (const [fn, { detailType, dlq }] of Object.entries(STEPS)) {
      const rule = rules
        .map(([, r]) => r.Properties ?? {})
        .find((p) => JSON.stringify(p.Targets).includes(`"${fn}LambdaFunction"`));
      expect(rule).toBeDefined();
      expect(rule?.EventBusName).toEqual({ Ref: 'OrdersBus' });
      expect(rule?.EventPattern).toEqual({
        source: ['order-pipelines.eventbridge-flags'],
        'detail-type': [detailType],
      });
      const [target] = rule?.Targets as Array<Record<string, unknown>>;
      expect(target).toMatchObject({
        RetryPolicy: { MaximumRetryAttempts: expect.any(Number), MaximumEventAgeInSeconds: expect.any(Number) },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
      });
    }
    expect(resourcesOfType(template, 'AWS::Events::EventBus').map(([id]) => id)).toEqual(['OrdersBus']);
  });

  it(
    'retries function errors by Lambda async invocation (2 ' + 'retries) and sends the failure record to the step DLQ',
    () => {
      const configs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').map(([, c]) => c.Properties ?? {});
      expect(configs).toHaveLength(Object.keys(STEPS).length);
      for (const [fn, { dlq }] of Object.entries(STEPS)) {
        const config = configs.find(
          (c) => JSON.stringify(c.FunctionName) === JSON.stringify({ Ref: `${fn}LambdaFunction` }),
        );
        expect(config).toMatchObject({
          MaximumRetryAttempts: 2,
          DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq, 'Arn'] } } },
        });
        // Lambda delivers the on-failure record with the function's role.
        expect(resourcesFor(fn, 'sqs:SendMessage')).toEqual([{ 'Fn::GetAtt': [dlq, 'Arn'] }]);
      }
    },
  );

  it(
    'encrypts every queue, names every DLQ <service>-<stage>-<step>-dlq and lets EventBridge write only from its ' +
      'rule',
    () => {
      const queues = resourcesOfType(template, 'AWS::SQS::Queue');
      expect(queues).toHaveLength(Object.keys(STEPS).length);
      for (const [, queue] of queues) {
        expect(queue.Properties?.SqsManagedSseEnabled).toBe(true);
        expect(queue.Properties?.QueueName).toMatch(/^eventbridge-flags-ci-[a-z-]+-dlq$/);
      }
      const policies = resourcesOfType(template, 'AWS::SQS::QueuePolicy');
      expect(policies).toHaveLength(queues.length);
      for (const [, policy] of policies) {
        const [statement] = (policy.Properties?.PolicyDocument as { Statement: Array<Record<string, unknown>> })
          .Statement;
        expect(statement).toMatchObject({
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Condition: { ArnEquals: { 'aws:SourceArn': expect.anything() } },
        });
      }
    },
  );

  it('keeps the tables every variant shares, plus the flags table', () => {
    const tables = Object.fromEntries(
      resourcesOfType(template, 'AWS::DynamoDB::Table').map(([id, t]) => [id, t.Properties?.KeySchema]),
    );
    expect(tables).toEqual({
      OrdersTable: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
      InventoryTable: [{ AttributeName: 'sku', KeyType: 'HASH' }],
      LedgerTable: [
        { AttributeName: 'orderId', KeyType: 'HASH' },
        { AttributeName: 'entryId', KeyType: 'RANGE' },
      ],
      FlagsTable: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
    });
  });

  it(
    'gives each function its own least-privilege role: no "*" action, "*" resource only for X-Ray, PutEvents only ' +
      'on this bus',
    () => {
      expect(JSON.stringify(template)).not.toMatch(/"Action":\s*"\*"|"\*:\*"/);
      for (const fn of FUNCTIONS) {
        for (const statement of statementsOf(roleOf(fn))) {
          const actions = [statement.Action].flat();
          expect(actions.every((a) => a !== '*' && !a.endsWith(':*'))).toBe(true);
          if ([statement.Resource].flat().includes('*')) expect(actions.every((a) => a.startsWith('xray:'))).toBe(true);
        }
        const putEvents = resourcesFor(fn, 'events:PutEvents');
        if (putEvents.length > 0) expect(putEvents).toEqual([{ 'Fn::GetAtt': ['OrdersBus', 'Arn'] }]);
      }
      const putters = FUNCTIONS.filter((fn) => actionsOf(fn).includes('events:PutEvents'));
      expect(putters).toEqual([
        'PlaceOrder',
        'ReviewOrder',
        'ValidateOrder',
        'ChargePayment',
        'ReserveInventory',
        'SendConfirmation',
        'TimeOutReview',
      ]);
      const tablesOf = (fn: string) =>
        JSON.stringify(
          statementsOf(roleOf(fn))
            .filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')))
            .map((s) => s.Resource),
        );
      expect(tablesOf('GetOrder')).toBe(JSON.stringify([{ 'Fn::GetAtt': ['OrdersTable', 'Arn'] }]));
      expect(actionsOf('GetOrder')).not.toContain('dynamodb:PutItem');
      expect(tablesOf('PlaceOrder')).not.toMatch(/FlagsTable|LedgerTable|InventoryTable/);
      expect(tablesOf('ChargePayment')).not.toContain('InventoryTable');
      expect(tablesOf('ReserveInventory')).not.toContain('LedgerTable');
      expect(tablesOf('NotifyWarehouse')).not.toContain('InventoryTable');
      expect(tablesOf('ReviewOrder')).not.toMatch(/LedgerTable|InventoryTable/);
      expect(tablesOf('TimeOutReview')).not.toMatch(/LedgerTable|InventoryTable/);
    },
  );
});

describe('eventbridge-flags manual review', () => {
  const schedules = (fn: string) => resourcesFor(fn, 'scheduler:CreateSchedule');

  it('serves POST /orders/{orderId}/review with IAM authorization', () => {
    const keys = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => [
      r.Properties?.RouteKey,
      r.Properties?.AuthorizationType,
    ]);
    expect(keys).toContainEqual(['POST /orders/{orderId}/review', 'AWS_IAM']);
  });

  it('fires each timeout through a schedule role that may only put events on this bus', () => {
    expect(resourcesOfType(template, 'AWS::Scheduler::ScheduleGroup').map(([id]) => id)).toEqual([
      'ReviewScheduleGroup',
    ]);
    const role = template.Resources.ReviewTimeoutScheduleRole!;
    expect(JSON.stringify(role.Properties?.AssumeRolePolicyDocument)).toContain('scheduler.amazonaws.com');
    expect(statementsOf(role)).toEqual([
      { Effect: 'Allow', Action: ['events:PutEvents'], Resource: { 'Fn::GetAtt': ['OrdersBus', 'Arn'] } },
    ]);
    const fn = template.Resources.ValidateOrderLambdaFunction!;
    expect(fn.Properties?.Environment).toMatchObject({
      Variables: {
        REVIEW_TIMEOUT_TARGET_ARN: { 'Fn::GetAtt': ['OrdersBus', 'Arn'] },
        REVIEW_SCHEDULE_ROLE_ARN: { 'Fn::GetAtt': ['ReviewTimeoutScheduleRole', 'Arn'] },
        REVIEW_SCHEDULE_GROUP: { Ref: 'ReviewScheduleGroup' },
        // A day for a reviewer, on AWS.
        REVIEW_TIMEOUT_SECONDS: '86400',
      },
    });
  });

  it('lets only validate-order create schedules and pass their role, and only the review API delete them', () => {
    for (const fn of FUNCTIONS) {
      expect({ fn, create: actionsOf(fn).includes('scheduler:CreateSchedule') }).toEqual({
        fn,
        create: fn === 'ValidateOrder',
      });
      expect({ fn, pass: actionsOf(fn).includes('iam:PassRole') }).toEqual({ fn, pass: fn === 'ValidateOrder' });
      expect({ fn, del: actionsOf(fn).includes('scheduler:DeleteSchedule') }).toEqual({
        fn,
        del: fn === 'ReviewOrder',
      });
    }
    // Schedules of this stack's group only (the ARN's schedule/<group>/<name> part).
    const inGroup = (resources: unknown[]) =>
      resources.length === 1 && JSON.stringify(resources[0]).endsWith(':schedule/$' + '{ReviewScheduleGroup}/*"}');
    expect(inGroup(schedules('ValidateOrder'))).toBe(true);
    expect(inGroup(resourcesFor('ReviewOrder', 'scheduler:DeleteSchedule'))).toBe(true);
    const passRole = statementsOf(roleOf('ValidateOrder')).find((s) => [s.Action].flat().includes('iam:PassRole'));
    expect(passRole).toMatchObject({
      Resource: { 'Fn::GetAtt': ['ReviewTimeoutScheduleRole', 'Arn'] },
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
  });
});
