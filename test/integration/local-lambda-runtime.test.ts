/**
 * The local Lambda runtime with a function already bundled elsewhere (what `sls offline` hands
 * it: serverless-esbuild's output): it runs that file as it is, an environment warmed ahead is
 * the one the first invocation uses, and after the file is rebuilt the next invocation runs the
 * new code.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LambdaRuntime } from '#cloud/lambda-runtime';
import { eventually } from '#test/helpers/wait';

let dir = '';
let runtime: LambdaRuntime;
const sqs = new SQSClient({
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:9',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
});

/** A bundled handler module answering with its version and the function's own environment. */
const handlerModule = (version: number) =>
  `export const handler = async (event) => ({ version: ${version}, table: process.env.TABLE, got: event });\n`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lambda-runtime-'));
  runtime = new LambdaRuntime({ buildDir: path.join(dir, 'build'), sqs, concurrency: 2 });
  await writeFile(path.join(dir, 'handler.mjs'), handlerModule(1));
  await runtime.deploy({
    name: 'prebuilt',
    entry: path.join(dir, 'not-there.ts'),
    bundle: path.join(dir, 'handler.mjs'),
    exportName: 'handler',
    environment: { TABLE: 'orders' },
    memoryMb: 128,
    timeoutSeconds: 5,
    async: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 },
  });
});

afterAll(async () => {
  await runtime.stop();
  sqs.destroy();
  await rm(dir, { recursive: true, force: true });
});

it('runs a prebuilt bundle in the environment warmed ahead, then the rebuilt code after a reload', async () => {
  runtime.prewarm('prebuilt');
  await expect(runtime.invoke('prebuilt', { n: 1 })).resolves.toEqual({ version: 1, table: 'orders', got: { n: 1 } });
  // The warmed environment served it: one cold start in all.
  expect(runtime.stats().coldStarts).toBe(1);

  await writeFile(path.join(dir, 'handler.mjs'), handlerModule(2));
  await runtime.reloadCode();
  await expect(runtime.invoke('prebuilt', { n: 2 })).resolves.toEqual({ version: 2, table: 'orders', got: { n: 2 } });
});

it("serves the API's calls before pipeline work queued ahead of them, even when only the pipeline's function is warm", async () => {
  // One environment at a time: the order the handlers start in is the order they were served in.
  const serial = new LambdaRuntime({ buildDir: path.join(dir, 'build-serial'), sqs, concurrency: 1 });
  try {
    const sleeper = `export const handler = async (event) => { await new Promise((r) => setTimeout(r, event.ms)); return event.label; };\n`;
    await writeFile(path.join(dir, 'sleeper.mjs'), sleeper);
    for (const name of ['pipeline', 'api']) {
      await serial.deploy({
        name,
        entry: path.join(dir, 'not-there.ts'),
        bundle: path.join(dir, 'sleeper.mjs'),
        exportName: 'handler',
        environment: {},
        memoryMb: 128,
        timeoutSeconds: 5,
        async: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 },
      });
    }
    const started: string[] = [];
    const call = (name: string, label: string, frontDoor = false) =>
      serial.invoke(name, { label, ms: label === 'busy' ? 200 : 0 }, { frontDoor, onStart: () => started.push(label) });
    // The environment busy, then pipeline work queued, then the API's calls (one to the pipeline's function).
    const calls = [call('pipeline', 'busy')];
    for (const label of ['pipeline-1', 'pipeline-2']) calls.push(call('pipeline', label));
    calls.push(call('api', 'api-1', true), call('pipeline', 'api-2', true), call('pipeline', 'pipeline-3'));
    await expect(Promise.all(calls)).resolves.toEqual([
      'busy',
      'pipeline-1',
      'pipeline-2',
      'api-1',
      'api-2',
      'pipeline-3',
    ]);
    // api-1's function had no environment and the pipeline's had a warm one: the API still went first.
    expect(started).toEqual(['busy', 'api-1', 'api-2', 'pipeline-1', 'pipeline-2', 'pipeline-3']);
  } finally {
    await serial.stop();
  }
});

it('lets an environment still in Init finish loading its code before it stops (no module load cut in half)', async () => {
  // Cut in the middle of a CommonJS module's load (the AWS SDK's, say), a module goes on against
  // half-made exports and Node prints "Accessing non-existent property ... inside circular
  // dependency": what Ctrl-C of `sls offline` printed while its functions warmed.
  const own = new LambdaRuntime({ buildDir: path.join(dir, 'build-init'), sqs, concurrency: 1 });
  const loading = path.join(dir, 'init-loading');
  const loaded = path.join(dir, 'init-loaded');
  const slowInit = [
    "import { writeFileSync } from 'node:fs';",
    `writeFileSync(${JSON.stringify(loading)}, '');`,
    'const until = Date.now() + 300;',
    'while (Date.now() < until) {}',
    `writeFileSync(${JSON.stringify(loaded)}, '');`,
    'export const handler = async () => "ok";',
  ].join('\n');
  await writeFile(path.join(dir, 'slow-init.mjs'), `${slowInit}\n`);
  await own.deploy({
    name: 'slow-init',
    entry: path.join(dir, 'not-there.ts'),
    bundle: path.join(dir, 'slow-init.mjs'),
    exportName: 'handler',
    environment: {},
    memoryMb: 128,
    timeoutSeconds: 5,
    async: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 },
  });
  own.prewarm('slow-init');
  await eventually(() => existsSync(loading), 'the environment began to load its code');
  await own.stop();
  expect(existsSync(loaded)).toBe(true);
});

it("keeps an async invocation's request id across its retries, and gives each invocation its own, as Lambda does", async () => {
  const own = new LambdaRuntime({
    buildDir: path.join(dir, 'build-retry'),
    sqs,
    concurrency: 2,
    asyncRetryDelaysMs: [10],
  });
  const log = path.join(dir, 'attempts.log');
  // Fails its first two attempts; every attempt logs the request id its context carries.
  const flaky = [
    "import { appendFileSync, readFileSync, existsSync } from 'node:fs';",
    `const log = ${JSON.stringify(log)};`,
    'export const handler = async (event, context) => {',
    "  appendFileSync(log, event.n + ' ' + context.awsRequestId + '\\n');",
    "  const mine = readFileSync(log, 'utf8').split('\\n').filter((l) => l.startsWith(event.n + ' '));",
    "  if (mine.length < 3) throw new Error('not yet');",
    "  return 'ok';",
    '};',
  ].join('\n');
  await writeFile(path.join(dir, 'flaky.mjs'), `${flaky}\n`);
  try {
    await own.deploy({
      name: 'flaky',
      entry: path.join(dir, 'not-there.ts'),
      bundle: path.join(dir, 'flaky.mjs'),
      exportName: 'handler',
      environment: {},
      memoryMb: 128,
      timeoutSeconds: 5,
      async: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 60 },
    });
    await own.invokeAsync('flaky', { n: 1 });
    await own.invokeAsync('flaky', { n: 2 });
    const lines = async () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
    await eventually(async () => (await lines()).length === 6, 'three attempts of each invocation');
    const idsOf = async (n: number) =>
      new Set((await lines()).filter((l) => l.startsWith(`${n} `)).map((l) => l.split(' ')[1]));
    const [first, second] = [await idsOf(1), await idsOf(2)];
    expect([first.size, second.size]).toEqual([1, 1]);
    expect([...first][0]).not.toEqual([...second][0]);
  } finally {
    await own.stop();
  }
});
