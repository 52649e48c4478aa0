/**
 * The state of the local EventBridge: event buses, their rules and the rules' targets, with the
 * checks and error codes AWS applies. Shared by the HTTP API and the typed server methods, so
 * both paths behave the same.
 */
import { EventBridgeApiError, resourceNotFound, validationError } from './errors.ts';
import { matchesEventPattern, parseEventPattern, type EventPattern } from './event-pattern.ts';
import { isSupportedInputPath, sqsQueueName, targetKind } from './targets.ts';

export interface RetryPolicy {
  MaximumRetryAttempts?: number;
  MaximumEventAgeInSeconds?: number;
}

/** A rule target in the shape of the AWS API (PutTargets, ListTargetsByRule). */
export interface Target {
  Id: string;
  Arn: string;
  RetryPolicy?: RetryPolicy;
  DeadLetterConfig?: { Arn: string };
  InputPath?: string;
}

export type RuleState = 'ENABLED' | 'DISABLED';

export interface Rule {
  name: string;
  arn: string;
  eventBusName: string;
  /** The pattern as the caller gave it, returned unchanged by DescribeRule and ListRules. */
  eventPattern: string;
  pattern: EventPattern;
  state: RuleState;
  description?: string;
  targets: Map<string, Target>;
}

export interface EventBus {
  name: string;
  arn: string;
  createdAt: Date;
  rules: Map<string, Rule>;
}

export interface PutRuleInput {
  name: string;
  eventBusName?: string;
  eventPattern: string | object;
  state?: RuleState;
  description?: string;
}

/** A target PutTargets or RemoveTargets could not apply, as AWS lists it in FailedEntries. */
export interface FailedTargetEntry {
  TargetId: string;
  ErrorCode: string;
  ErrorMessage: string;
}

/** AWS quota: five targets per rule. */
const MAX_TARGETS_PER_RULE = 5;
const DEFAULT_BUS = 'default';
const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
const TARGET_ID = /^[.\-_A-Za-z0-9]{1,64}$/;

export class EventBridgeRegistry {
  private readonly buses = new Map<string, EventBus>();

  constructor(
    private readonly region: string,
    private readonly account: string,
  ) {
    this.createEventBus(DEFAULT_BUS);
  }

  createEventBus(name: string): string {
    if (!BUS_NAME.test(name)) throw validationError(`Event bus name ${name} is not valid.`);
    if (this.buses.has(name)) {
      throw new EventBridgeApiError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
    }
    const bus: EventBus = { name, arn: this.arn(`event-bus/${name}`), createdAt: new Date(), rules: new Map() };
    this.buses.set(name, bus);
    return bus.arn;
  }

  /** Deleting a bus that does not exist succeeds, as in AWS; the default bus cannot be deleted. */
  deleteEventBus(nameOrArn: string): void {
    const name = busNameOf(nameOrArn);
    if (name === DEFAULT_BUS) throw validationError('Cannot delete event bus default.');
    this.buses.delete(name);
  }

  eventBus(nameOrArn: string | undefined): EventBus {
    const name = busNameOf(nameOrArn ?? DEFAULT_BUS);
    const bus = this.buses.get(name);
    if (!bus) throw resourceNotFound(`Event bus ${name} does not exist.`);
    return bus;
  }

  listEventBuses(namePrefix = ''): EventBus[] {
    return [...this.buses.values()].filter((bus) => bus.name.startsWith(namePrefix));
  }

  /** Creates or updates a rule; an update keeps the rule's targets, as in AWS. */
  putRule(input: PutRuleInput): string {
    if (!RULE_NAME.test(input.name)) throw validationError(`Rule name ${input.name} is not valid.`);
    const bus = this.eventBus(input.eventBusName);
    const eventPattern =
      typeof input.eventPattern === 'string' ? input.eventPattern : JSON.stringify(input.eventPattern);
    const existing = bus.rules.get(input.name);
    const rule: Rule = {
      name: input.name,
      arn: this.ruleArn(bus.name, input.name),
      eventBusName: bus.name,
      eventPattern,
      pattern: parseEventPattern(eventPattern),
      state: input.state ?? 'ENABLED',
      targets: existing?.targets ?? new Map(),
      ...(input.description === undefined ? {} : { description: input.description }),
    };
    bus.rules.set(rule.name, rule);
    return rule.arn;
  }

  rule(name: string, eventBusName: string | undefined): Rule {
    const bus = this.eventBus(eventBusName);
    const rule = bus.rules.get(name);
    if (!rule) throw resourceNotFound(`Rule ${name} does not exist on EventBus ${bus.name}.`);
    return rule;
  }

  listRules(eventBusName: string | undefined, namePrefix = ''): Rule[] {
    return [...this.eventBus(eventBusName).rules.values()].filter((rule) => rule.name.startsWith(namePrefix));
  }

  /** As in AWS, a missing rule is not an error, and a rule with targets must lose them first. */
  deleteRule(name: string, eventBusName: string | undefined): void {
    const bus = this.eventBus(eventBusName);
    const rule = bus.rules.get(name);
    if (!rule) return;
    if (rule.targets.size > 0) throw validationError("Rule can't be deleted since it has targets.");
    bus.rules.delete(name);
  }

  /** Request-level faults throw; a target that cannot be used is reported in the returned list. */
  putTargets(ruleName: string, eventBusName: string | undefined, targets: Target[]): FailedTargetEntry[] {
    const rule = this.rule(ruleName, eventBusName);
    for (const target of targets) validateTargetFields(target);
    const newIds = new Set(targets.map((target) => target.Id).filter((id) => !rule.targets.has(id)));
    if (rule.targets.size + newIds.size > MAX_TARGETS_PER_RULE) {
      throw new EventBridgeApiError(
        'LimitExceededException',
        'The requested resource exceeds the maximum number allowed.',
      );
    }
    const failures: FailedTargetEntry[] = [];
    for (const target of targets) {
      const problem = unsupportedTargetReason(target);
      if (problem) failures.push({ TargetId: target.Id, ErrorCode: 'ValidationException', ErrorMessage: problem });
      else rule.targets.set(target.Id, copyTarget(target));
    }
    return failures;
  }

  removeTargets(ruleName: string, eventBusName: string | undefined, ids: string[]): FailedTargetEntry[] {
    const rule = this.rule(ruleName, eventBusName);
    const failures: FailedTargetEntry[] = [];
    for (const id of ids) {
      if (!rule.targets.delete(id)) {
        failures.push({
          TargetId: id,
          ErrorCode: 'ResourceNotFoundException',
          ErrorMessage: `Target ${id} does not exist.`,
        });
      }
    }
    return failures;
  }

  /** The ENABLED rules of the bus whose pattern matches the event envelope. */
  matchingRules(eventBusName: string, event: unknown): Rule[] {
    return [...this.eventBus(eventBusName).rules.values()].filter(
      (rule) => rule.state === 'ENABLED' && matchesEventPattern(rule.pattern, event),
    );
  }

  private ruleArn(busName: string, ruleName: string): string {
    return this.arn(busName === DEFAULT_BUS ? `rule/${ruleName}` : `rule/${busName}/${ruleName}`);
  }

  private arn(resource: string): string {
    return `arn:aws:events:${this.region}:${this.account}:${resource}`;
  }
}

/** Requests name a bus by name or by ARN (`arn:aws:events:<region>:<account>:event-bus/<name>`). */
export function busNameOf(nameOrArn: string): string {
  const marker = ':event-bus/';
  return nameOrArn.startsWith('arn:') && nameOrArn.includes(marker)
    ? nameOrArn.slice(nameOrArn.indexOf(marker) + marker.length)
    : nameOrArn;
}

function validateTargetFields(target: Target): void {
  if (!TARGET_ID.test(target.Id ?? '')) throw validationError(`Target Id ${target.Id} is not valid.`);
  if (typeof target.Arn !== 'string' || target.Arn === '') throw validationError(`Target ${target.Id} has no Arn.`);
  const retries = target.RetryPolicy?.MaximumRetryAttempts;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0 && retries <= 185)) {
    throw validationError('MaximumRetryAttempts must be an integer between 0 and 185.');
  }
  const maxAge = target.RetryPolicy?.MaximumEventAgeInSeconds;
  if (maxAge !== undefined && !(Number.isInteger(maxAge) && maxAge >= 60 && maxAge <= 86_400)) {
    throw validationError('MaximumEventAgeInSeconds must be an integer between 60 and 86400.');
  }
}

function unsupportedTargetReason(target: Target): string | undefined {
  if (!targetKind(target.Arn)) {
    return `Target ${target.Arn} is not supported by the local EventBridge: use a Lambda function or an SQS queue ARN.`;
  }
  const deadLetterArn = target.DeadLetterConfig?.Arn;
  if (deadLetterArn !== undefined && !sqsQueueName(deadLetterArn)) {
    return `DeadLetterConfig ${deadLetterArn} is not an SQS queue ARN.`;
  }
  if (target.InputPath !== undefined && !isSupportedInputPath(target.InputPath)) {
    return `InputPath ${target.InputPath} is not supported: use a dotted path such as $.detail.`;
  }
  return undefined;
}

/** Keeps only the fields this emulator understands, so ListTargetsByRule echoes them faithfully. */
function copyTarget(target: Target): Target {
  return {
    Id: target.Id,
    Arn: target.Arn,
    ...(target.RetryPolicy ? { RetryPolicy: { ...target.RetryPolicy } } : {}),
    ...(target.DeadLetterConfig ? { DeadLetterConfig: { Arn: target.DeadLetterConfig.Arn } } : {}),
    ...(target.InputPath === undefined ? {} : { InputPath: target.InputPath }),
  };
}
