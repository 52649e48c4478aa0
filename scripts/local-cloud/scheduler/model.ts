/**
 * The Scheduler API's shapes (botocore's `scheduler` 2021-06-30 model) and the checks of their
 * constraints, answered in the words AWS's request validation uses ("1 validation error detected:
 * Value 'x' at 'target.roleArn' failed to satisfy constraint: ..."), so a bad field is named.
 */
import { validationError } from './errors.ts';

export interface RetryPolicy {
  MaximumEventAgeInSeconds?: number;
  MaximumRetryAttempts?: number;
}

export interface Target {
  Arn: string;
  RoleArn: string;
  Input?: string;
  RetryPolicy?: RetryPolicy;
  DeadLetterConfig?: { Arn?: string };
  SqsParameters?: { MessageGroupId?: string };
  EventBridgeParameters?: { DetailType: string; Source: string };
  /** Kept as sent (answered by GetSchedule); the local cloud has no ECS, Kinesis or SageMaker. */
  EcsParameters?: Record<string, unknown>;
  KinesisParameters?: Record<string, unknown>;
  SageMakerPipelineParameters?: Record<string, unknown>;
}

export interface FlexibleTimeWindow {
  Mode: 'OFF' | 'FLEXIBLE';
  MaximumWindowInMinutes?: number;
}

/** What CreateSchedule and UpdateSchedule define (UpdateSchedule replaces all of it). */
export interface ScheduleDefinition {
  Name: string;
  GroupName: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  FlexibleTimeWindow: FlexibleTimeWindow;
  Target: Target;
  State: 'ENABLED' | 'DISABLED';
  ActionAfterCompletion: 'NONE' | 'DELETE';
  Description?: string;
  KmsKeyArn?: string;
  /** Epoch ms. */
  StartDate?: number;
  EndDate?: number;
}

export interface Tag {
  Key: string;
  Value: string;
}

export const NAME_PATTERN = '^[0-9a-zA-Z-_.]+$';
const CLIENT_TOKEN_PATTERN = '^[a-zA-Z0-9-_]+$';
const ROLE_ARN_PATTERN = '^arn:aws(-[a-z]+)?:iam::\\d{12}:role\\/[\\w+=,.@\\/-]+$';
const DLQ_ARN_PATTERN = '^arn:aws(-[a-z]+)?:sqs:[a-z0-9\\-]+:\\d{12}:[a-zA-Z0-9\\-_]+$';
const KMS_ARN_PATTERN = '^arn:aws(-[a-z]+)?:kms:[a-z0-9\\-]+:\\d{12}:(key|alias)\\/[0-9a-zA-Z-_]*$';
const EVENT_SOURCE_PATTERN = '^(?=[/\\.\\-_A-Za-z0-9]+)((?!aws\\.).*)|(\\$(\\.[\\w_-]+(\\[(\\d+|\\*)\\])*)*)$';
export const GROUP_ARN_PATTERN = '^arn:aws(-[a-z]+)?:scheduler:[a-z0-9\\-]+:\\d{12}:schedule-group\\/[0-9a-zA-Z-_.]+$';

type Input = Record<string, unknown>;

interface StringRule {
  required?: boolean;
  min?: number;
  max?: number;
  pattern?: string;
  values?: readonly string[];
}

/** Collects every constraint a request breaks, then throws them as one ValidationException. */
export class Constraints {
  private readonly errors: string[] = [];

  string(value: unknown, path: string, rule: StringRule = {}): string | undefined {
    if (value === undefined || value === null) {
      if (rule.required) this.fail('null', path, 'Member must not be null');
      return undefined;
    }
    if (typeof value !== 'string') {
      this.fail(JSON.stringify(value), path, 'Member must be a string');
      return undefined;
    }
    const shown = value.length > 200 ? `${value.slice(0, 200)}...` : value;
    if (rule.min !== undefined && value.length < rule.min)
      this.fail(`'${shown}'`, path, `Member must have length greater than or equal to ${rule.min}`);
    if (rule.max !== undefined && value.length > rule.max)
      this.fail(`'${shown}'`, path, `Member must have length less than or equal to ${rule.max}`);
    if (rule.pattern !== undefined && !new RegExp(rule.pattern).test(value))
      this.fail(`'${shown}'`, path, `Member must satisfy regular expression pattern: ${rule.pattern}`);
    if (rule.values !== undefined && !rule.values.includes(value))
      this.fail(`'${shown}'`, path, `Member must satisfy enum value set: [${rule.values.join(', ')}]`);
    return value;
  }

  integer(value: unknown, path: string, min: number, max: number): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.fail(JSON.stringify(value), path, 'Member must be an integer');
      return undefined;
    }
    if (value < min) this.fail(`'${value}'`, path, `Member must have value greater than or equal to ${min}`);
    if (value > max) this.fail(`'${value}'`, path, `Member must have value less than or equal to ${max}`);
    return value;
  }

  /** A timestamp as REST-JSON carries it (epoch seconds), or an ISO 8601 string; epoch ms out. */
  timestamp(value: unknown, path: string): number | undefined {
    if (value === undefined || value === null) return undefined;
    const ms = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (!Number.isFinite(ms)) {
      this.fail(JSON.stringify(value), path, 'Member must be a timestamp');
      return undefined;
    }
    return ms;
  }

  object(value: unknown, path: string, required = false): Input | undefined {
    if (value === undefined || value === null) {
      if (required) this.fail('null', path, 'Member must not be null');
      return undefined;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.fail(JSON.stringify(value), path, 'Member must be a structure');
      return undefined;
    }
    return value as Input;
  }

  list(value: unknown, path: string, max: number): unknown[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
      this.fail(JSON.stringify(value), path, 'Member must be a list');
      return undefined;
    }
    if (value.length > max) this.fail('[...]', path, `Member must have length less than or equal to ${max}`);
    return value;
  }

  private fail(value: string, path: string, constraint: string): void {
    this.errors.push(`Value ${value} at '${path}' failed to satisfy constraint: ${constraint}`);
  }

  /** Throws the ValidationException AWS answers when any constraint failed. */
  check(): void {
    const count = this.errors.length;
    if (count === 0) return;
    throw validationError(`${count} validation error${count === 1 ? '' : 's'} detected: ${this.errors.join('; ')}`);
  }
}

export function checkName(checks: Constraints, value: unknown, path: string, required = true): string | undefined {
  return checks.string(value, path, { required, min: 1, max: 64, pattern: NAME_PATTERN });
}

export function checkClientToken(checks: Constraints, value: unknown, path = 'clientToken'): string | undefined {
  return checks.string(value, path, { min: 1, max: 64, pattern: CLIENT_TOKEN_PATTERN });
}

/** CreateSchedule / UpdateSchedule input, checked against the model; defaults filled in as AWS does. */
export function readScheduleDefinition(name: string, body: Input): ScheduleDefinition {
  const checks = new Constraints();
  checkName(checks, name, 'name');
  const groupName = checkName(checks, body.GroupName, 'groupName', false);
  const expression = checks.string(body.ScheduleExpression, 'scheduleExpression', {
    required: true,
    min: 1,
    max: 256,
  });
  const timezone = checks.string(body.ScheduleExpressionTimezone, 'scheduleExpressionTimezone', { min: 1, max: 50 });
  const window = checks.object(body.FlexibleTimeWindow, 'flexibleTimeWindow', true);
  const mode =
    window && checks.string(window.Mode, 'flexibleTimeWindow.mode', { required: true, values: ['OFF', 'FLEXIBLE'] });
  const maxWindow =
    window && checks.integer(window.MaximumWindowInMinutes, 'flexibleTimeWindow.maximumWindowInMinutes', 1, 1440);
  const target = readTarget(checks, checks.object(body.Target, 'target', true));
  const state = checks.string(body.State, 'state', { values: ['ENABLED', 'DISABLED'] });
  const after = checks.string(body.ActionAfterCompletion, 'actionAfterCompletion', { values: ['NONE', 'DELETE'] });
  const description = checks.string(body.Description, 'description', { min: 0, max: 512 });
  const kmsKeyArn = checks.string(body.KmsKeyArn, 'kmsKeyArn', { min: 1, max: 2048, pattern: KMS_ARN_PATTERN });
  const startDate = checks.timestamp(body.StartDate, 'startDate');
  const endDate = checks.timestamp(body.EndDate, 'endDate');
  checkClientToken(checks, body.ClientToken);
  checks.check();
  return {
    Name: name,
    GroupName: groupName ?? 'default',
    ScheduleExpression: expression as string,
    ...(timezone !== undefined ? { ScheduleExpressionTimezone: timezone } : {}),
    FlexibleTimeWindow: {
      Mode: mode as FlexibleTimeWindow['Mode'],
      ...(maxWindow !== undefined ? { MaximumWindowInMinutes: maxWindow } : {}),
    },
    Target: target as Target,
    State: (state as ScheduleDefinition['State'] | undefined) ?? 'ENABLED',
    ActionAfterCompletion: (after as ScheduleDefinition['ActionAfterCompletion'] | undefined) ?? 'NONE',
    ...(description !== undefined ? { Description: description } : {}),
    ...(kmsKeyArn !== undefined ? { KmsKeyArn: kmsKeyArn } : {}),
    ...(startDate !== undefined ? { StartDate: startDate } : {}),
    ...(endDate !== undefined ? { EndDate: endDate } : {}),
  };
}

function readTarget(checks: Constraints, raw: Input | undefined): Target | undefined {
  if (!raw) return undefined;
  const arn = checks.string(raw.Arn, 'target.arn', { required: true, min: 1, max: 1600 });
  const roleArn = checks.string(raw.RoleArn, 'target.roleArn', {
    required: true,
    min: 1,
    max: 1600,
    pattern: ROLE_ARN_PATTERN,
  });
  const input = checks.string(raw.Input, 'target.input', { min: 1 });
  const retry = checks.object(raw.RetryPolicy, 'target.retryPolicy');
  const maxAge =
    retry && checks.integer(retry.MaximumEventAgeInSeconds, 'target.retryPolicy.maximumEventAgeInSeconds', 60, 86_400);
  const maxRetries =
    retry && checks.integer(retry.MaximumRetryAttempts, 'target.retryPolicy.maximumRetryAttempts', 0, 185);
  const dlq = checks.object(raw.DeadLetterConfig, 'target.deadLetterConfig');
  const dlqArn =
    dlq && checks.string(dlq.Arn, 'target.deadLetterConfig.arn', { min: 1, max: 1600, pattern: DLQ_ARN_PATTERN });
  const sqs = checks.object(raw.SqsParameters, 'target.sqsParameters');
  const groupId = sqs && checks.string(sqs.MessageGroupId, 'target.sqsParameters.messageGroupId', { min: 1, max: 128 });
  const events = checks.object(raw.EventBridgeParameters, 'target.eventBridgeParameters');
  const detailType =
    events &&
    checks.string(events.DetailType, 'target.eventBridgeParameters.detailType', { required: true, min: 1, max: 128 });
  const source =
    events &&
    checks.string(events.Source, 'target.eventBridgeParameters.source', {
      required: true,
      min: 1,
      max: 256,
      pattern: EVENT_SOURCE_PATTERN,
    });
  const passThrough: Partial<Target> = {};
  for (const key of ['EcsParameters', 'KinesisParameters', 'SageMakerPipelineParameters'] as const) {
    const value = checks.object(raw[key], `target.${key.charAt(0).toLowerCase()}${key.slice(1)}`);
    if (value) passThrough[key] = value;
  }
  return {
    Arn: arn as string,
    RoleArn: roleArn as string,
    ...(input !== undefined ? { Input: input } : {}),
    // AWS answers a target sent without a retry policy with its defaults: 185 retries within 24 hours.
    RetryPolicy: { MaximumEventAgeInSeconds: maxAge ?? 86_400, MaximumRetryAttempts: maxRetries ?? 185 },
    ...(dlq ? { DeadLetterConfig: dlqArn !== undefined ? { Arn: dlqArn } : {} } : {}),
    ...(sqs ? { SqsParameters: groupId !== undefined ? { MessageGroupId: groupId } : {} } : {}),
    ...(events ? { EventBridgeParameters: { DetailType: detailType as string, Source: source as string } } : {}),
    ...passThrough,
  };
}

export function readTags(checks: Constraints, value: unknown, path: string, required = false): Tag[] {
  if ((value === undefined || value === null) && required) {
    checks.string(undefined, path, { required: true });
    return [];
  }
  const list = checks.list(value, path, 200) ?? [];
  return list.map((raw, index) => {
    const tag = checks.object(raw, `${path}.${index + 1}.member`, true) ?? {};
    const key = checks.string(tag.Key, `${path}.${index + 1}.member.key`, { required: true, min: 1, max: 128 });
    const tagValue = checks.string(tag.Value, `${path}.${index + 1}.member.value`, {
      required: true,
      min: 1,
      max: 256,
    });
    return { Key: key ?? '', Value: tagValue ?? '' };
  });
}
