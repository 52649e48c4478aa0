/**
 * The EventBridge API operations, taking and returning the JSON shapes of the AWS JSON 1.1
 * protocol (`X-Amz-Target: AWSEvents.<Operation>`), so the AWS SDK and CLI work unchanged.
 */
import type { CloudInstruments } from '#cloud/types';
import type { Dispatcher } from './delivery.ts';
import {
  buildEnvelope,
  entrySize,
  isEntryError,
  MAX_REQUEST_BYTES,
  type EntryError,
  type Identity,
  type PutEventsEntry,
} from './envelope.ts';
import { EventBridgeApiError, validationError } from './errors.ts';
import { matchesEventPattern, parseEventPattern } from './event-pattern.ts';
import type { EventBridgeRegistry, EventBus, FailedTargetEntry, Rule, RuleState, Target } from './registry.ts';

type Input = Record<string, unknown>;
export type Operation = (input: Input) => unknown;

export interface ApiContext {
  registry: EventBridgeRegistry;
  dispatcher: Dispatcher;
  identity: Identity;
  instruments: CloudInstruments;
}

const MAX_ENTRIES = 10;
const MAX_TARGETS_PER_REQUEST = 10;
/** PutRule API reference: EventPattern, maximum length 4096. */
const MAX_EVENT_PATTERN_LENGTH = 4096;
/** TestEventPattern requires these envelope fields, as AWS documents. */
const REQUIRED_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'];

export function createOperations(context: ApiContext): Record<string, Operation> {
  const { registry } = context;
  return {
    PutEvents: (input) => putEvents(context, input),
    CreateEventBus: (input) => ({ EventBusArn: registry.createEventBus(requiredString(input, 'Name')) }),
    DescribeEventBus: (input) => describeBus(registry.eventBus(optionalString(input, 'Name'))),
    ListEventBuses: (input) => ({
      EventBuses: registry.listEventBuses(optionalString(input, 'NamePrefix')).map(describeBus),
    }),
    DeleteEventBus: (input) => {
      registry.deleteEventBus(requiredString(input, 'Name'));
      return {};
    },
    PutRule: (input) => ({ RuleArn: registry.putRule(putRuleInput(input)) }),
    DescribeRule: (input) => ({
      ...describeRule(registry.rule(requiredString(input, 'Name'), optionalString(input, 'EventBusName'))),
      CreatedBy: context.identity.account,
    }),
    ListRules: (input) => ({
      Rules: registry
        .listRules(optionalString(input, 'EventBusName'), optionalString(input, 'NamePrefix'))
        .map(describeRule),
    }),
    DeleteRule: (input) => {
      registry.deleteRule(requiredString(input, 'Name'), optionalString(input, 'EventBusName'));
      return {};
    },
    PutTargets: (input) =>
      failedEntries(
        registry.putTargets(
          requiredString(input, 'Rule'),
          optionalString(input, 'EventBusName'),
          requiredTargets(input),
        ),
      ),
    ListTargetsByRule: (input) => ({
      Targets: [
        ...registry.rule(requiredString(input, 'Rule'), optionalString(input, 'EventBusName')).targets.values(),
      ],
    }),
    RemoveTargets: (input) =>
      failedEntries(
        registry.removeTargets(
          requiredString(input, 'Rule'),
          optionalString(input, 'EventBusName'),
          requiredIds(input),
        ),
      ),
    TestEventPattern: (input) => ({
      Result: matchesEventPattern(parseEventPattern(requiredString(input, 'EventPattern')), testEvent(input)),
    }),
  };
}

function putEvents(context: ApiContext, input: Input): unknown {
  const entries = input.Entries;
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
    throw validationError(
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES} and greater than or equal to 1`,
    );
  }
  const typed = entries.map((entry): PutEventsEntry => (isRecord(entry) ? entry : {}));
  if (typed.reduce((sum, entry) => sum + entrySize(entry), 0) > MAX_REQUEST_BYTES) {
    throw validationError('Total size of the entries in the request is over the limit.');
  }
  const results = typed.map((entry) => putEvent(context, entry));
  return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
}

/** Accepts one entry and starts its deliveries; a bad entry fails alone, as in AWS. */
function putEvent(context: ApiContext, entry: PutEventsEntry): { EventId: string } | EntryError {
  const event = buildEnvelope(entry, context.identity);
  if (isEntryError(event)) return event;
  let bus: EventBus;
  try {
    bus = context.registry.eventBus(entry.EventBusName);
  } catch (error) {
    return { ErrorCode: (error as Error).name, ErrorMessage: (error as Error).message };
  }
  context.instruments.count('eventsPut');
  const receivedAt = Date.now();
  for (const rule of context.registry.matchingRules(bus.name, event)) {
    for (const target of rule.targets.values()) {
      context.dispatcher.dispatch({ event, receivedAt, ruleArn: rule.arn, target });
    }
  }
  return { EventId: event.id };
}

function putRuleInput(input: Input) {
  const state = optionalString(input, 'State') ?? 'ENABLED';
  if (state !== 'ENABLED' && state !== 'DISABLED')
    throw validationError(`State ${state} is not supported; use ENABLED or DISABLED.`);
  if (input.ScheduleExpression !== undefined) {
    throw validationError('ScheduleExpression is not supported by the local EventBridge; use an EventPattern.');
  }
  const eventPattern = optionalString(input, 'EventPattern');
  if (eventPattern === undefined)
    throw validationError('Parameter(s) EventPattern or ScheduleExpression must be specified.');
  if (eventPattern.length > MAX_EVENT_PATTERN_LENGTH) {
    throw validationError(
      `1 validation error detected: Value at 'eventPattern' failed to satisfy constraint: Member must have length less than or equal to ${MAX_EVENT_PATTERN_LENGTH}`,
    );
  }
  const description = optionalString(input, 'Description');
  return {
    name: requiredString(input, 'Name'),
    eventPattern,
    state: state as RuleState,
    ...withOptional('eventBusName', optionalString(input, 'EventBusName')),
    ...withOptional('description', description),
  };
}

function testEvent(input: Input): unknown {
  const text = requiredString(input, 'Event');
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    throw validationError('Parameter Event is not valid.');
  }
  const missing = isRecord(event) ? REQUIRED_EVENT_FIELDS.filter((field) => !(field in event)) : REQUIRED_EVENT_FIELDS;
  if (missing.length > 0) {
    throw validationError(
      `Parameter Event is not valid. Reason: Provided Event is missing required field ${missing.join(', ')}.`,
    );
  }
  return event;
}

function describeBus(bus: EventBus) {
  const time = bus.createdAt.getTime() / 1000;
  return { Name: bus.name, Arn: bus.arn, CreationTime: time, LastModifiedTime: time };
}

function describeRule(rule: Rule) {
  return {
    Name: rule.name,
    Arn: rule.arn,
    EventPattern: rule.eventPattern,
    State: rule.state,
    EventBusName: rule.eventBusName,
    ...withOptional('Description', rule.description),
  };
}

function failedEntries(failures: FailedTargetEntry[]) {
  return { FailedEntryCount: failures.length, FailedEntries: failures };
}

function requiredTargets(input: Input): Target[] {
  const targets = input.Targets;
  if (!Array.isArray(targets) || targets.length === 0 || targets.length > MAX_TARGETS_PER_REQUEST) {
    throw validationError(`Targets must be a list of 1 to ${MAX_TARGETS_PER_REQUEST} targets.`);
  }
  if (!targets.every(isRecord)) throw validationError('Each target must be an object.');
  return targets as unknown as Target[];
}

function requiredIds(input: Input): string[] {
  const ids = input.Ids;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) {
    throw validationError('Ids must be a non-empty list of target ids.');
  }
  return ids;
}

function requiredString(input: Input, key: string): string {
  const value = optionalString(input, key);
  if (value === undefined || value === '') {
    throw validationError(
      `1 validation error detected: Value null at '${lowerFirst(key)}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function optionalString(input: Input, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new EventBridgeApiError('SerializationException', `${key} must be a string.`);
  return value;
}

function withOptional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
