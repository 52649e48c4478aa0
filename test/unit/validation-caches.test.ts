/**
 * What `sls offline start` and CreateStateMachine no longer validate twice: a serverless.yml that
 * passed the framework's schema before, and a state machine definition that passed asl-validator
 * before. Anything changed, failed or warned is validated (and refused) as before.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '#cloud/cloud';
import { StateMachines } from '#cloud/stepfunctions/machines';
import { ValidatedDefinitions } from '#cloud/stepfunctions/validated-definitions';

const LAMBDA_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:f';
const definition = (state = 'Run') =>
  JSON.stringify({ StartAt: state, States: { [state]: { Type: 'Task', Resource: LAMBDA_ARN, End: true } } });
const INVALID = JSON.stringify({
  StartAt: 'Missing',
  States: { Run: { Type: 'Task', Resource: LAMBDA_ARN, End: true } },
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'validation-caches-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('state machine definitions asl-validator passed', () => {
  it('are remembered across processes through the file, by their exact text', () => {
    const file = path.join(dir, 'stepfunctions', 'validated-definitions.json');
    new ValidatedDefinitions(file).add(definition());
    const later = new ValidatedDefinitions(file);
    expect(later.has(definition())).toBe(true);
    expect(later.has(definition('Other'))).toBe(false);
    expect(new ValidatedDefinitions().has(definition())).toBe(false);
  });

  it('never include a definition CreateStateMachine refused, which is refused again', () => {
    const validated = new ValidatedDefinitions(path.join(dir, 'v.json'));
    const machines = () =>
      new StateMachines({ region: 'us-east-1', account: '000000000000', retryIntervalScale: 1, validated });
    expect(() => machines().create({ name: 'bad', definition: INVALID }, 'reject')).toThrow(/Missing/);
    expect(validated.has(INVALID)).toBe(false);
    expect(() => machines().create({ name: 'bad', definition: INVALID }, 'reject')).toThrow(/Missing/);
    machines().create({ name: 'good', definition: definition() }, 'reject');
    expect(validated.has(definition())).toBe(true);
  });
});

/** The framework's schema handler, as far as the plugin uses it: counts the validations it runs. */
function frameworkWith(config: { errors?: 'throw' | 'warn' } = {}) {
  const results = new WeakMap<object, boolean>();
  class Handler {
    static getConfigurationValidationResult(input: object) {
      return results.get(input) ?? null;
    }
    schema = { type: 'object', properties: { service: { type: 'string' } } };
    runs = 0;
    constructor(private readonly input: object) {}
    async validateConfig(_userConfig: unknown) {
      this.runs++;
      if (config.errors === 'throw') throw new Error('Configuration error: bad property');
      results.set(this.input, config.errors !== 'warn');
    }
  }
  const configurationInput = {};
  const handler = new Handler(configurationInput);
  return {
    handler,
    serverless: {
      version: '4.3.1',
      processedInput: { commands: ['offline', 'start'] },
      configurationInput,
      configSchemaHandler: handler,
    },
  };
}

describe('sls offline start and the serverless.yml it validated before', () => {
  type Plugin = new (serverless: unknown, options: unknown, utils: unknown) => unknown;
  const Plugin = createRequire(path.join(PROJECT_ROOT, 'package.json'))(
    './scripts/serverless/local-cloud-plugin/index.cjs',
  ) as Plugin;
  let previousDir: string | undefined;
  beforeEach(() => {
    previousDir = process.env.LOCAL_CLOUD_DIR;
    process.env.LOCAL_CLOUD_DIR = dir;
  });
  afterEach(() => {
    if (previousDir === undefined) delete process.env.LOCAL_CLOUD_DIR;
    else process.env.LOCAL_CLOUD_DIR = previousDir;
  });

  /** One `sls <commands>` start: the plugin is constructed, then the framework validates `userConfig`. */
  async function start(userConfig: object, options: { errors?: 'throw' | 'warn'; commands?: string[] } = {}) {
    const { handler, serverless } = frameworkWith(options);
    if (options.commands) serverless.processedInput.commands = options.commands;
    new Plugin(serverless, {}, {});
    await handler.validateConfig(structuredClone(userConfig));
    return handler.runs;
  }

  it('skips the schema check only for the same configuration that passed it before', async () => {
    expect(await start({ service: 'a' })).toBe(1);
    expect(await start({ service: 'a' })).toBe(0);
    expect(await start({ service: 'b' })).toBe(1);
  });

  it('validates every time a configuration that failed or warned', async () => {
    await expect(start({ service: 'bad' }, { errors: 'throw' })).rejects.toThrow(/Configuration error/);
    await expect(start({ service: 'bad' }, { errors: 'throw' })).rejects.toThrow(/Configuration error/);
    expect(await start({ service: 'warned' }, { errors: 'warn' })).toBe(1);
    expect(await start({ service: 'warned' }, { errors: 'warn' })).toBe(1);
  });

  it('leaves package and deploy validating as usual', async () => {
    expect(await start({ service: 'c' })).toBe(1);
    expect(await start({ service: 'c' }, { commands: ['package'] })).toBe(1);
    expect(await start({ service: 'c' }, { commands: ['deploy'] })).toBe(1);
  });
});
