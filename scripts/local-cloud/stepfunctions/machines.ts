/** The state machines of the local Step Functions, named and identified as AWS does. */
import { compileDefinition, type CompiledDefinition } from './definition.ts';
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
}

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
}

/** AWS naming rule for state machines and executions: 1-80 chars, none of these. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: AWS names exclude control characters
const VALID_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

export function assertValidName(name: string): void {
  if (!VALID_NAME.test(name)) throw new SfnApiError('InvalidName', `Invalid Name: '${name}'`);
}

export class StateMachines {
  private readonly byArn = new Map<string, StateMachineRecord>();

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
    const compiled = compileDefinition(input.definition, { retryIntervalScale });
    const record = {
      arn,
      name: input.name,
      type,
      definition: input.definition,
      roleArn,
      creationDate: new Date(),
      compiled,
    };
    this.byArn.set(arn, record);
    return record;
  }

  get(arn: string): StateMachineRecord {
    const record = this.byArn.get(arn);
    if (!record) throw doesNotExist('StateMachineDoesNotExist', arn);
    return record;
  }

  list(): StateMachineRecord[] {
    return [...this.byArn.values()];
  }

  /** Running executions keep the definition they started with, as on AWS. */
  delete(arn: string): void {
    this.byArn.delete(arn);
  }
}
