/** The state machines of the local Step Functions, named and identified as AWS does. */
import { randomUUID } from 'node:crypto';
import { compileDefinition, type CompiledDefinition } from './definition.ts';
import type { ValidatedDefinitions } from './validated-definitions.ts';
import { doesNotExist, SfnApiError } from './errors.ts';

export type MachineType = 'STANDARD' | 'EXPRESS';

export interface StateMachineRecord {
  arn: string;
  name: string;
  type: MachineType;
  /** The definition exactly as given, which DescribeStateMachine returns. */
  definition: string;
  roleArn: string;
  creationDate: Date;
  compiled: CompiledDefinition;
  /** Set by UpdateStateMachine: each update is a new revision, as DescribeStateMachine shows. */
  updateDate?: Date;
  revisionId: string;
  /** Published versions (`<arn>:<n>`), newest last. */
  versionArn?: string;
}

export interface UpdateMachineInput {
  definition?: string;
  roleArn?: string;
  publish?: boolean;
  versionDescription?: string;
}

export interface Tag {
  key: string;
  value: string;
}

/** AWS allows 50 tags per resource. */
const MAX_TAGS = 50;

export interface CreateMachineInput {
  name: string;
  definition: string;
  type?: MachineType;
  roleArn?: string;
}

export interface MachinesOptions {
  region: string;
  account: string;
  retryIntervalScale: number;
  /** Definitions asl-validator passed before (kept in the local cloud's work directory). */
  validated?: ValidatedDefinitions;
}

/** AWS naming rule for state machines and executions: 1-80 chars, none of these. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: AWS names exclude control characters
const VALID_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

export function assertValidName(name: string): void {
  if (!VALID_NAME.test(name)) throw new SfnApiError('InvalidName', `Invalid Name: '${name}'`);
}

export class StateMachines {
  private readonly byArn = new Map<string, StateMachineRecord>();
  private readonly versions = new Map<string, StateMachineRecord>();
  private readonly tags = new Map<string, Map<string, string>>();

  constructor(private readonly options: MachinesOptions) {}

  /**
   * `onConflict: 'reject'` is CreateStateMachine on AWS: the same name is fine only with the
   * same definition, type and role. `'replace'` is a redeploy, as a stack update does it.
   */
  create(input: CreateMachineInput, onConflict: 'reject' | 'replace'): StateMachineRecord {
    assertValidName(input.name);
    const { region, account, retryIntervalScale } = this.options;
    const arn = `arn:aws:states:${region}:${account}:stateMachine:${input.name}`;
    const type = input.type ?? 'STANDARD';
    const roleArn = input.roleArn ?? `arn:aws:iam::${account}:role/local-stepfunctions`;
    const existing = this.byArn.get(arn);
    if (
      existing &&
      existing.definition === input.definition &&
      existing.type === type &&
      existing.roleArn === roleArn
    ) {
      return existing;
    }
    if (existing && onConflict === 'reject') {
      throw new SfnApiError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    const compiled = compileDefinition(input.definition, {
      retryIntervalScale,
      type,
      validated: this.options.validated,
    });
    const record = {
      arn,
      name: input.name,
      type,
      definition: input.definition,
      roleArn,
      creationDate: new Date(),
      compiled,
      revisionId: randomUUID(),
    };
    this.byArn.set(arn, record);
    return record;
  }

  /**
   * UpdateStateMachine: a new revision of the definition and/or role; executions already
   * running keep the revision they started with. `publish` also makes it a numbered version.
   */
  update(arn: string, input: UpdateMachineInput): StateMachineRecord {
    const current = this.get(arn);
    if (this.versions.has(arn)) throw new SfnApiError('ValidationException', `Versions cannot be updated: '${arn}'`);
    const definition = input.definition ?? current.definition;
    const compiled =
      definition === current.definition
        ? current.compiled
        : compileDefinition(definition, {
            retryIntervalScale: this.options.retryIntervalScale,
            type: current.type,
            validated: this.options.validated,
          });
    const record: StateMachineRecord = {
      ...current,
      definition,
      compiled,
      roleArn: input.roleArn ?? current.roleArn,
      updateDate: new Date(),
      revisionId: randomUUID(),
    };
    delete record.versionArn;
    if (input.publish) {
      const number = [...this.versions.keys()].filter((key) => key.startsWith(`${arn}:`)).length + 1;
      record.versionArn = `${arn}:${number}`;
      this.versions.set(record.versionArn, { ...record, arn: record.versionArn });
    }
    this.byArn.set(arn, record);
    return record;
  }

  /** A machine by its ARN, or a published version by its version ARN. */
  get(arn: string): StateMachineRecord {
    const record = this.byArn.get(arn) ?? this.versions.get(arn);
    if (!record) throw doesNotExist('StateMachineDoesNotExist', arn);
    return record;
  }

  tag(arn: string, tags: readonly Tag[]): void {
    this.get(arn);
    const current = new Map(this.tags.get(arn));
    for (const { key, value } of tags) current.set(key, value);
    if (current.size > MAX_TAGS) {
      throw new SfnApiError('TooManyTags', `Too many tags: a resource can have at most ${MAX_TAGS} tags`);
    }
    this.tags.set(arn, current);
  }

  untag(arn: string, keys: readonly string[]): void {
    this.get(arn);
    const current = this.tags.get(arn);
    for (const key of keys) current?.delete(key);
  }

  tagsOf(arn: string): Tag[] {
    this.get(arn);
    return [...(this.tags.get(arn) ?? [])].map(([key, value]) => ({ key, value }));
  }

  list(): StateMachineRecord[] {
    return [...this.byArn.values()];
  }

  /** Running executions keep the definition they started with, as on AWS. */
  delete(arn: string): void {
    this.byArn.delete(arn);
    this.tags.delete(arn);
  }
}
