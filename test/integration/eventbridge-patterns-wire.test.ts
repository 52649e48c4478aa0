/**
 * The documented pattern cases over the wire: the AWS CLI's `events test-event-pattern`, the SDK's
 * TestEventPattern and PutRule against the local EventBridge reach the same verdicts, because one
 * matcher answers all three (and routes PutEvents).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DeleteRuleCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type LocalCloud, startLocalCloud } from '#cloud/cloud';
import { allPatternCases } from '#conformance/eventbridge-patterns/all-cases';
import { caseName, type PatternCase } from '#conformance/eventbridge-patterns/case';

const run = promisify(execFile);
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const allCases = allPatternCases;

let cloud: LocalCloud;
let events: EventBridgeClient;
let sqs: SQSClient;

beforeAll(async () => {
  cloud = await startLocalCloud({
    ports: { dynamodb: 0, sqs: 0, eventbridge: 0, stepfunctions: 0, lambda: 0 },
    optional: ['eventbridge'],
  });
  events = new EventBridgeClient({ region: cloud.region, endpoint: cloud.endpoints.eventbridge, credentials });
  sqs = new SQSClient({ region: cloud.region, endpoint: cloud.endpoints.sqs, credentials });
}, 120_000);

afterAll(async () => {
  events?.destroy();
  sqs?.destroy();
  await cloud?.stop();
});

type Verdict = 'match' | 'no-match' | 'invalid';

async function sdkVerdict(patternCase: PatternCase): Promise<Verdict> {
  try {
    const { Result } = await events.send(
      new TestEventPatternCommand({
        EventPattern: JSON.stringify(patternCase.pattern),
        Event: JSON.stringify(patternCase.event),
      }),
    );
    return Result ? 'match' : 'no-match';
  } catch (error) {
    if ((error as Error).name === 'InvalidEventPatternException') return 'invalid';
    throw error;
  }
}

async function putRuleAccepts(patternCase: PatternCase, name: string): Promise<boolean> {
  try {
    await events.send(new PutRuleCommand({ Name: name, EventPattern: JSON.stringify(patternCase.pattern) }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'InvalidEventPatternException') return false;
    throw error;
  }
}

async function cliVerdict(patternCase: PatternCase): Promise<Verdict> {
  const args = [
    'events',
    'test-event-pattern',
    '--endpoint-url',
    cloud.endpoints.eventbridge,
    '--region',
    cloud.region,
    '--output',
    'json',
    '--event-pattern',
    JSON.stringify(patternCase.pattern),
    '--event',
    JSON.stringify(patternCase.event),
  ];
  const env = { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: cloud.region };
  try {
    const { stdout } = await run('aws', args, { env });
    return (JSON.parse(stdout) as { Result: boolean }).Result ? 'match' : 'no-match';
  } catch (error) {
    if (String((error as { stderr?: string }).stderr).includes('(InvalidEventPatternException)')) return 'invalid';
    throw error;
  }
}

describe('pattern verdicts over the wire', () => {
  it('TestEventPattern (SDK) gives the documented verdict and PutRule accepts exactly the valid patterns', async () => {
    const mismatches: string[] = [];
    for (const [index, patternCase] of allCases.entries()) {
      const verdict = await sdkVerdict(patternCase);
      const accepted = await putRuleAccepts(patternCase, `wire-${index}`);
      if (verdict !== patternCase.expected || accepted !== (patternCase.expected !== 'invalid')) {
        mismatches.push(`${caseName(patternCase)}: TestEventPattern ${verdict}, PutRule accepted ${accepted}`);
      }
      if (accepted) await events.send(new DeleteRuleCommand({ Name: `wire-${index}` }));
    }
    expect(mismatches).toEqual([]);
  }, 180_000);

  it('PutRule refuses a pattern over 4096 characters (the API limit) with ValidationException', async () => {
    const pattern = JSON.stringify({ detail: { id: Array.from({ length: 500 }, (_, i) => `order-${i}`) } });
    expect(pattern.length).toBeGreaterThan(4096);
    await expect(events.send(new PutRuleCommand({ Name: 'too-long', EventPattern: pattern }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Member must have length less than or equal to 4096'),
    });
  });

  it('the AWS CLI agrees with the SDK', async () => {
    // One case of each outcome: the CLI starts a Python process per call.
    const sample = [
      allCases.find((c) => c.rule.startsWith('a list form excludes each prefix: the second'))!,
      allCases.find((c) => c.rule === 'an empty prefix is rejected')!,
      allCases.find((c) => c.rule === 'a pattern that is too complex is rejected')!,
    ];
    for (const patternCase of sample) {
      expect({ name: caseName(patternCase), verdict: await cliVerdict(patternCase) }).toEqual({
        name: caseName(patternCase),
        verdict: await sdkVerdict(patternCase),
      });
    }
  }, 120_000);

  it('routes a put event to a rule exactly when TestEventPattern says it matches', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'pattern-routing' }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: QueueUrl!, AttributeNames: ['QueueArn'] }),
    );
    const patterns = {
      'png-files': { source: ['shop'], 'detail.file.name': [{ suffix: { 'equals-ignore-case': '.png' } }] },
      'not-images': {
        source: ['shop'],
        detail: { file: { name: [{ 'anything-but': { suffix: ['.png', '.jpg'] } }] } },
      },
    };
    for (const [name, pattern] of Object.entries(patterns)) {
      await events.send(new PutRuleCommand({ Name: name, EventPattern: JSON.stringify(pattern) }));
      await events.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: 'queue', Arn: Attributes!.QueueArn! }] }));
    }
    await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'shop', DetailType: 'FileUploaded', Detail: JSON.stringify({ file: { name: 'cat.png' } }) },
        ],
      }),
    );
    await cloud.idle();
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: QueueUrl!, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    // One delivery, from png-files; not-images excludes the .png suffix.
    expect(Messages.map((message) => JSON.parse(message.Body!).detail.file.name)).toEqual(['cat.png']);
    for (const name of Object.keys(patterns)) {
      await events.send(new RemoveTargetsCommand({ Rule: name, Ids: ['queue'] }));
      await events.send(new DeleteRuleCommand({ Name: name }));
    }
  });
});
