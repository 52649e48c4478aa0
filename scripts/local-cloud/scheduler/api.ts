/**
 * The Scheduler API's operations over the store and the firing engine: schedules (create, get,
 * update, delete, list), schedule groups (create, get, delete, list) and their tags, with the
 * validation, ClientToken idempotency and errors EventBridge Scheduler answers with.
 */
import { createHash } from 'node:crypto';
import type { CloudInstruments } from '../types.ts';
import type { SchedulerEngine } from './engine.ts';
import { groupNotFound, scheduleNotFound, SchedulerApiError, validationError } from './errors.ts';
import { isTimeZone, parseScheduleExpression } from './expressions.ts';
import {
  checkClientToken,
  checkName,
  Constraints,
  GROUP_ARN_PATTERN,
  NAME_PATTERN,
  readScheduleDefinition,
  readTags,
  type ScheduleDefinition,
} from './model.ts';
import { scheduleKey, type GroupRecord, type ScheduleRecord, type SchedulerStore } from './store.ts';
import { checkTarget, type TargetService } from './targets.ts';

export interface ApiRequest {
  /** Path parameters, decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
}

export type Operation = (request: ApiRequest) => Promise<Record<string, unknown>>;

export interface ApiDependencies {
  store: SchedulerStore;
  engine: SchedulerEngine;
  instruments: CloudInstruments;
  /** The services this local cloud runs, which targets may name. */
  services: () => ReadonlySet<TargetService>;
}

/** Recurring schedules may start at most this long ago (AWS: "cannot be earlier than 5 minutes ago"). */
const START_DATE_SLACK_MS = 5 * 60_000;
const DEFAULT_MAX_RESULTS = 100;

export function createOperations(deps: ApiDependencies): Record<string, Operation> {
  const { store, engine } = deps;

  const group = (name: string): GroupRecord => {
    const found = store.groups.get(name);
    if (!found) throw groupNotFound(name);
    return found;
  };

  const schedule = (groupName: string, name: string): ScheduleRecord => {
    group(groupName);
    const found = store.schedules.get(scheduleKey(groupName, name));
    if (!found) throw scheduleNotFound(name);
    return found;
  };

  /** Runs a write once per ClientToken: the same token and request answer the first result again. */
  const idempotent = async (
    operation: string,
    token: string | undefined,
    request: unknown,
    write: () => Record<string, unknown>,
  ): Promise<Record<string, unknown>> => {
    const fingerprint = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    const key = token ? `${operation}:${token}` : undefined;
    const seen = key ? store.token(key) : undefined;
    if (seen) {
      if (seen.fingerprint !== fingerprint)
        throw new SchedulerApiError('ConflictException', `ClientToken ${token} was used with a different request.`);
      return seen.result;
    }
    const result = write();
    if (key) store.rememberToken(key, fingerprint, result);
    await store.persist();
    return result;
  };

  const checkDefinition = (definition: ScheduleDefinition, now: number): void => {
    const expression = parseScheduleExpression(definition.ScheduleExpression);
    if (!expression) throw validationError(`Invalid Schedule Expression ${definition.ScheduleExpression}.`);
    const timeZone = definition.ScheduleExpressionTimezone;
    if (timeZone !== undefined && !isTimeZone(timeZone))
      throw validationError(`Invalid ScheduleExpressionTimezone ${timeZone}: not a time zone database name.`);
    const window = definition.FlexibleTimeWindow;
    if (window.Mode === 'FLEXIBLE' && window.MaximumWindowInMinutes === undefined)
      throw validationError('FlexibleTimeWindow.MaximumWindowInMinutes is required when Mode is FLEXIBLE.');
    if (window.Mode === 'OFF' && window.MaximumWindowInMinutes !== undefined)
      throw validationError('FlexibleTimeWindow.MaximumWindowInMinutes must not be set when Mode is OFF.');
    const { StartDate: start, EndDate: end } = definition;
    if (start !== undefined && end !== undefined && start >= end)
      throw validationError('The StartDate you specify must come before the EndDate.');
    if (expression.kind !== 'at' && start !== undefined && start < now - START_DATE_SLACK_MS)
      throw validationError('The StartDate you specify cannot be earlier than 5 minutes ago.');
    checkTarget(definition.Target, deps.services());
  };

  const definitionOf = (request: ApiRequest): ScheduleDefinition => {
    const definition = readScheduleDefinition(request.params.Name ?? '', request.body);
    checkDefinition(definition, Date.now());
    return definition;
  };

  return {
    async CreateSchedule(request) {
      const definition = definitionOf(request);
      const token = request.body.ClientToken as string | undefined;
      return idempotent('CreateSchedule', token, definition, () => {
        group(definition.GroupName);
        const key = scheduleKey(definition.GroupName, definition.Name);
        if (store.schedules.has(key))
          throw new SchedulerApiError('ConflictException', `Schedule ${definition.Name} already exists.`);
        const now = Date.now();
        const record: ScheduleRecord = {
          definition,
          arn: store.scheduleArn(definition.GroupName, definition.Name),
          createdAt: now,
          modifiedAt: now,
          version: 1,
        };
        store.schedules.set(key, record);
        deps.instruments.count('schedulesCreated');
        engine.arm(record);
        return { ScheduleArn: record.arn };
      });
    },

    async UpdateSchedule(request) {
      // UpdateSchedule replaces the whole schedule: what the request leaves out takes its default.
      const definition = definitionOf(request);
      const token = request.body.ClientToken as string | undefined;
      return idempotent('UpdateSchedule', token, definition, () => {
        const record = schedule(definition.GroupName, definition.Name);
        record.definition = definition;
        record.modifiedAt = Date.now();
        record.version++;
        delete record.completed;
        delete record.lastScheduledAt;
        engine.arm(record);
        return { ScheduleArn: record.arn };
      });
    },

    async GetSchedule(request) {
      const checks = new Constraints();
      const name = checkName(checks, request.params.Name, 'name') ?? '';
      const groupName = checkName(checks, request.query.get('groupName') ?? undefined, 'groupName', false);
      checks.check();
      return describeSchedule(schedule(groupName ?? 'default', name));
    },

    async DeleteSchedule(request) {
      const checks = new Constraints();
      const name = checkName(checks, request.params.Name, 'name') ?? '';
      const groupName = checkName(checks, request.query.get('groupName') ?? undefined, 'groupName', false) ?? 'default';
      const token = checkClientToken(checks, request.query.get('clientToken') ?? undefined);
      checks.check();
      return idempotent('DeleteSchedule', token, { groupName, name }, () => {
        const record = schedule(groupName, name);
        store.schedules.delete(scheduleKey(groupName, name));
        engine.disarm(record);
        return {};
      });
    },

    async ListSchedules(request) {
      const checks = new Constraints();
      const groupName = checkName(checks, request.query.get('ScheduleGroup') ?? undefined, 'groupName', false);
      const prefix = checks.string(request.query.get('NamePrefix') ?? undefined, 'namePrefix', {
        min: 1,
        max: 64,
        pattern: NAME_PATTERN,
      });
      const state = checks.string(request.query.get('State') ?? undefined, 'state', {
        values: ['ENABLED', 'DISABLED'],
      });
      const maxResults = readMaxResults(checks, request.query);
      const nextToken = checks.string(request.query.get('NextToken') ?? undefined, 'nextToken', { min: 1, max: 2048 });
      checks.check();
      if (groupName !== undefined) group(groupName);
      const matching = [...store.schedules.values()]
        .filter(
          (record) =>
            (groupName === undefined || record.definition.GroupName === groupName) &&
            (prefix === undefined || record.definition.Name.startsWith(prefix)) &&
            (state === undefined || record.definition.State === state),
        )
        .sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
      const page = paginate(matching, keyOf, nextToken, maxResults);
      return {
        Schedules: page.items.map((record) => ({
          Arn: record.arn,
          Name: record.definition.Name,
          GroupName: record.definition.GroupName,
          State: record.definition.State,
          CreationDate: seconds(record.createdAt),
          LastModificationDate: seconds(record.modifiedAt),
          Target: { Arn: record.definition.Target.Arn },
        })),
        ...(page.nextToken ? { NextToken: page.nextToken } : {}),
      };
    },

    async CreateScheduleGroup(request) {
      const checks = new Constraints();
      const name = checkName(checks, request.params.Name, 'name') ?? '';
      const tags = readTags(checks, request.body.Tags, 'tags');
      const token = checkClientToken(checks, request.body.ClientToken);
      checks.check();
      return idempotent('CreateScheduleGroup', token, { name, tags }, () => {
        if (store.groups.has(name))
          throw new SchedulerApiError('ConflictException', `Schedule group ${name} already exists.`);
        const now = Date.now();
        const record: GroupRecord = { name, arn: store.groupArn(name), createdAt: now, modifiedAt: now, tags };
        store.groups.set(name, record);
        return { ScheduleGroupArn: record.arn };
      });
    },

    async GetScheduleGroup(request) {
      const checks = new Constraints();
      const name = checkName(checks, request.params.Name, 'name') ?? '';
      checks.check();
      return describeGroup(group(name));
    },

    async DeleteScheduleGroup(request) {
      const checks = new Constraints();
      const name = checkName(checks, request.params.Name, 'name') ?? '';
      const token = checkClientToken(checks, request.query.get('clientToken') ?? undefined);
      checks.check();
      return idempotent('DeleteScheduleGroup', token, { name }, () => {
        group(name);
        if (name === 'default') throw validationError('The default schedule group cannot be deleted.');
        // Deleting a group deletes every schedule in it (AWS does this asynchronously, in state DELETING).
        for (const [key, record] of store.schedules) {
          if (record.definition.GroupName !== name) continue;
          store.schedules.delete(key);
          engine.disarm(record);
        }
        store.groups.delete(name);
        return {};
      });
    },

    async ListScheduleGroups(request) {
      const checks = new Constraints();
      const prefix = checks.string(request.query.get('NamePrefix') ?? undefined, 'namePrefix', {
        min: 1,
        max: 64,
        pattern: NAME_PATTERN,
      });
      const maxResults = readMaxResults(checks, request.query);
      const nextToken = checks.string(request.query.get('NextToken') ?? undefined, 'nextToken', { min: 1, max: 2048 });
      checks.check();
      const matching = [...store.groups.values()]
        .filter((record) => prefix === undefined || record.name.startsWith(prefix))
        .sort((a, b) => compareKeys(a.name, b.name));
      const page = paginate(matching, (record) => record.name, nextToken, maxResults);
      return {
        ScheduleGroups: page.items.map(describeGroup),
        ...(page.nextToken ? { NextToken: page.nextToken } : {}),
      };
    },

    async TagResource(request) {
      const checks = new Constraints();
      const target = taggedGroup(checks, request.params.ResourceArn);
      const tags = readTags(checks, request.body.Tags, 'tags', true);
      checks.check();
      const record = group(target);
      for (const tag of tags) {
        const existing = record.tags.find((each) => each.Key === tag.Key);
        if (existing) existing.Value = tag.Value;
        else record.tags.push(tag);
      }
      await store.persist();
      return {};
    },

    async UntagResource(request) {
      const checks = new Constraints();
      const target = taggedGroup(checks, request.params.ResourceArn);
      const keys = request.query.getAll('TagKeys');
      if (!request.query.has('TagKeys')) checks.string(undefined, 'tagKeys', { required: true });
      checks.check();
      const record = group(target);
      record.tags = record.tags.filter((tag) => !keys.includes(tag.Key));
      await store.persist();
      return {};
    },

    async ListTagsForResource(request) {
      const checks = new Constraints();
      const target = taggedGroup(checks, request.params.ResourceArn);
      checks.check();
      return { Tags: group(target).tags };
    },
  };
}

/** Tags live on schedule groups: the group name from a schedule group ARN. */
function taggedGroup(checks: Constraints, arn: string | undefined): string {
  const value = checks.string(arn, 'resourceArn', { required: true, min: 1, max: 1011, pattern: GROUP_ARN_PATTERN });
  return value?.split('/').pop() ?? '';
}

function readMaxResults(checks: Constraints, query: URLSearchParams): number {
  const raw = query.get('MaxResults');
  if (raw === null) return DEFAULT_MAX_RESULTS;
  return checks.integer(/^\d+$/.test(raw) ? Number(raw) : raw, 'maxResults', 1, 100) ?? DEFAULT_MAX_RESULTS;
}

/** Pages of a sorted list; the token is the key of the last item answered (opaque to callers). */
function paginate<T>(
  items: T[],
  key: (item: T) => string,
  nextToken: string | undefined,
  maxResults: number,
): { items: T[]; nextToken?: string } {
  let start = 0;
  if (nextToken !== undefined) {
    let after: string;
    try {
      after = JSON.parse(Buffer.from(nextToken, 'base64url').toString('utf8')).after;
    } catch {
      throw validationError('The NextToken is not valid.');
    }
    if (typeof after !== 'string') throw validationError('The NextToken is not valid.');
    start = items.findIndex((item) => compareKeys(key(item), after) > 0);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + maxResults);
  const last = page.at(-1);
  return start + maxResults < items.length && last !== undefined
    ? { items: page, nextToken: Buffer.from(JSON.stringify({ after: key(last) })).toString('base64url') }
    : { items: page };
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function keyOf(record: ScheduleRecord): string {
  return scheduleKey(record.definition.GroupName, record.definition.Name);
}

/** REST-JSON carries timestamps as epoch seconds. */
function seconds(ms: number): number {
  return ms / 1000;
}

function describeSchedule(record: ScheduleRecord): Record<string, unknown> {
  const { StartDate, EndDate, ...definition } = record.definition;
  return {
    Arn: record.arn,
    ...definition,
    ...(StartDate !== undefined ? { StartDate: seconds(StartDate) } : {}),
    ...(EndDate !== undefined ? { EndDate: seconds(EndDate) } : {}),
    CreationDate: seconds(record.createdAt),
    LastModificationDate: seconds(record.modifiedAt),
  };
}

function describeGroup(record: GroupRecord): Record<string, unknown> {
  return {
    Arn: record.arn,
    Name: record.name,
    State: 'ACTIVE',
    CreationDate: seconds(record.createdAt),
    LastModificationDate: seconds(record.modifiedAt),
  };
}
