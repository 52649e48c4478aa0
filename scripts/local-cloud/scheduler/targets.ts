/**
 * The targets the local Scheduler invokes, read from the target ARN as EventBridge Scheduler reads
 * it: templated targets (an SQS queue, a Lambda function, a Step Functions state machine, an
 * EventBridge event bus) and universal targets (`arn:aws:scheduler:::aws-sdk:<service>:<action>`,
 * whose Input is the API call's request). Each invocation is a real AWS SDK v3 call to the local
 * cloud's emulator of that service.
 */
import { validationError } from './errors.ts';
import type { Target } from './model.ts';

export type TargetKind =
  | { kind: 'sqs'; queueName: string; fifo: boolean }
  | { kind: 'lambda' }
  | { kind: 'stepfunctions' }
  | { kind: 'eventbridge' }
  | { kind: 'universal'; service: UniversalService; action: string };

/** Which local endpoint each service's calls go to. */
export type TargetService = 'sqs' | 'lambda' | 'stepfunctions' | 'eventbridge';
type UniversalService = 'sqs' | 'lambda' | 'sfn' | 'eventbridge';

const SQS_ARN = /^arn:aws[\w-]*:sqs:[a-z0-9-]+:\d{12}:([\w.-]+)$/;
const LAMBDA_ARN = /^arn:aws[\w-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/;
const STATE_MACHINE_ARN = /^arn:aws[\w-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[\w.-]+$/;
const EVENT_BUS_ARN = /^arn:aws[\w-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[\w./-]+$/;
const UNIVERSAL_ARN = /^arn:aws[\w-]*:scheduler:::aws-sdk:([a-z0-9]+):([a-zA-Z0-9]+)$/;

/** The universal targets served locally: service -> API action (as the ARN spells it). */
export const UNIVERSAL_ACTIONS: Record<UniversalService, string> = {
  sqs: 'sendMessage',
  lambda: 'invoke',
  sfn: 'startExecution',
  eventbridge: 'putEvents',
};

const SUPPORTED =
  'an SQS queue, a Lambda function, a Step Functions state machine or an EventBridge event bus ARN, or one of ' +
  Object.entries(UNIVERSAL_ACTIONS)
    .map(([service, action]) => `arn:aws:scheduler:::aws-sdk:${service}:${action}`)
    .join(', ');

export function targetKind(arn: string): TargetKind | undefined {
  const queue = SQS_ARN.exec(arn)?.[1];
  if (queue) return { kind: 'sqs', queueName: queue, fifo: queue.endsWith('.fifo') };
  if (LAMBDA_ARN.test(arn)) return { kind: 'lambda' };
  if (STATE_MACHINE_ARN.test(arn)) return { kind: 'stepfunctions' };
  if (EVENT_BUS_ARN.test(arn)) return { kind: 'eventbridge' };
  const universal = UNIVERSAL_ARN.exec(arn);
  const service = universal?.[1] as UniversalService | undefined;
  if (service && Object.hasOwn(UNIVERSAL_ACTIONS, service) && UNIVERSAL_ACTIONS[service] === universal?.[2])
    return { kind: 'universal', service, action: universal[2] };
  return undefined;
}

export function serviceOf(kind: TargetKind): TargetService {
  if (kind.kind === 'universal') return kind.service === 'sfn' ? 'stepfunctions' : kind.service;
  return kind.kind;
}

/** Context attributes EventBridge Scheduler replaces in a target's Input at each invocation. */
export interface InvocationContext {
  scheduleArn: string;
  scheduledTime: string;
  executionId: string;
  attemptNumber: number;
}

export function renderInput(input: string | undefined, context: InvocationContext): string | undefined {
  return input
    ?.replaceAll('<aws.scheduler.schedule-arn>', context.scheduleArn)
    .replaceAll('<aws.scheduler.scheduled-time>', context.scheduledTime)
    .replaceAll('<aws.scheduler.execution-id>', context.executionId)
    .replaceAll('<aws.scheduler.attempt-number>', String(context.attemptNumber));
}

/**
 * What CreateSchedule and UpdateSchedule refuse about a target. AWS accepts any ARN and fails at
 * invocation; the local cloud names at once what it cannot deliver (a target type or a service it
 * does not run), and what can never succeed (malformed JSON for a target that needs JSON).
 */
export function checkTarget(target: Target, running: ReadonlySet<TargetService>): TargetKind {
  const kind = targetKind(target.Arn);
  if (!kind) {
    throw validationError(
      `Target.Arn ${target.Arn} is not a target the local EventBridge Scheduler invokes: use ${SUPPORTED}.`,
    );
  }
  const service = serviceOf(kind);
  if (!running.has(service)) {
    throw validationError(
      `Target.Arn ${target.Arn} names ${service}, which this local cloud does not run: start the local cloud with it.`,
    );
  }
  const sample = renderInput(target.Input, {
    scheduleArn: 'arn',
    scheduledTime: '1970-01-01T00:00:00Z',
    executionId: 'id',
    attemptNumber: 1,
  });
  const needsJson = kind.kind !== 'sqs';
  if (needsJson && sample !== undefined && !isJson(sample)) {
    throw validationError(`Target.Input must be well-formed JSON for the target ${target.Arn}.`);
  }
  if (kind.kind === 'universal') {
    if (sample === undefined || !isJsonObject(sample))
      throw validationError(`Target.Input must be the JSON request of ${kind.service}:${kind.action}.`);
  }
  if (kind.kind === 'eventbridge' && !target.EventBridgeParameters)
    throw validationError('Target.EventBridgeParameters (DetailType, Source) is required for an event bus target.');
  if (kind.kind === 'sqs' && kind.fifo && !target.SqsParameters?.MessageGroupId)
    throw validationError('Target.SqsParameters.MessageGroupId is required for a FIFO queue target.');
  if (kind.kind !== 'sqs' && target.SqsParameters)
    throw validationError('Target.SqsParameters applies to an SQS queue target only.');
  return kind;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
