/**
 * The local Scheduler's state: schedule groups (the `default` group always exists), schedules,
 * tags and the ClientTokens of recent writes. In memory, like the other emulators; with a state
 * file, every acknowledged write is on disk before the API answers, so a restarted local cloud
 * keeps its schedules (and fires what fell due meanwhile), as EventBridge Scheduler keeps them.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ScheduleDefinition, Tag } from './model.ts';
import { writeFileAtomic } from '../atomic-file.ts';

export interface ScheduleRecord {
  definition: ScheduleDefinition;
  arn: string;
  /** Epoch ms. */
  createdAt: number;
  modifiedAt: number;
  /** Bumped by every update: a firing armed for an older version is dropped. */
  version: number;
  /** A one-time schedule that has invoked its target (with NONE it stays, and never fires again). */
  completed?: boolean;
  /** A recurring schedule's last scheduled time invoked: the next one comes after it. */
  lastScheduledAt?: number;
}

export interface GroupRecord {
  name: string;
  arn: string;
  createdAt: number;
  modifiedAt: number;
  tags: Tag[];
}

/** A write made with a ClientToken: the same token and request answer the same result again. */
export interface TokenRecord {
  fingerprint: string;
  result: Record<string, unknown>;
  at: number;
}

interface StateFile {
  version: 1;
  groups: GroupRecord[];
  schedules: ScheduleRecord[];
  tokens: Array<[string, TokenRecord]>;
}

/** How long a ClientToken is remembered (AWS does not say; a retry comes within minutes). */
const TOKEN_TTL_MS = 8 * 3_600_000;

export function scheduleKey(group: string, name: string): string {
  return `${group}/${name}`;
}

export class SchedulerStore {
  readonly groups = new Map<string, GroupRecord>();
  readonly schedules = new Map<string, ScheduleRecord>();
  private readonly tokens = new Map<string, TokenRecord>();
  private saving: Promise<void> | undefined;
  private dirty = false;

  constructor(
    private readonly identity: { region: string; account: string },
    private readonly stateFile?: string,
  ) {
    const now = Date.now();
    this.groups.set('default', {
      name: 'default',
      arn: this.groupArn('default'),
      createdAt: now,
      modifiedAt: now,
      tags: [],
    });
  }

  groupArn(name: string): string {
    return `arn:aws:scheduler:${this.identity.region}:${this.identity.account}:schedule-group/${name}`;
  }

  scheduleArn(group: string, name: string): string {
    return `arn:aws:scheduler:${this.identity.region}:${this.identity.account}:schedule/${group}/${name}`;
  }

  /** Reads the state file, if there is one; a missing file is a fresh start. */
  async load(): Promise<void> {
    if (!this.stateFile) return;
    let text: string;
    try {
      text = await readFile(this.stateFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const state = JSON.parse(text) as StateFile;
    for (const group of state.groups) this.groups.set(group.name, group);
    for (const schedule of state.schedules) {
      this.schedules.set(scheduleKey(schedule.definition.GroupName, schedule.definition.Name), schedule);
    }
    for (const [token, record] of state.tokens) this.tokens.set(token, record);
  }

  token(key: string): TokenRecord | undefined {
    const record = this.tokens.get(key);
    if (record && Date.now() - record.at > TOKEN_TTL_MS) {
      this.tokens.delete(key);
      return undefined;
    }
    return record;
  }

  rememberToken(key: string, fingerprint: string, result: Record<string, unknown>): void {
    this.tokens.set(key, { fingerprint, result, at: Date.now() });
  }

  /**
   * Resolves once the state as it is now is on disk (without a state file, at once). Writes made
   * meanwhile share one save: a burst of API calls costs one write, not one each.
   */
  persist(): Promise<void> {
    if (!this.stateFile) return Promise.resolve();
    this.dirty = true;
    this.saving ??= this.saveLoop().finally(() => {
      this.saving = undefined;
    });
    return this.saving;
  }

  private async saveLoop(): Promise<void> {
    const file = this.stateFile as string;
    await mkdir(path.dirname(file), { recursive: true });
    while (this.dirty) {
      this.dirty = false;
      const now = Date.now();
      for (const [key, record] of this.tokens) if (now - record.at > TOKEN_TTL_MS) this.tokens.delete(key);
      const state: StateFile = {
        version: 1,
        groups: [...this.groups.values()],
        schedules: [...this.schedules.values()],
        tokens: [...this.tokens],
      };
      // Written aside and renamed over the old file: a crash mid-write never leaves half a state.
      await writeFileAtomic(file, JSON.stringify(state));
    }
  }
}
