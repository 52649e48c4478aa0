/**
 * The local Lambda runtime with a function already bundled elsewhere (what `sls offline` hands
 * it: serverless-esbuild's output): it runs that file as it is, an environment warmed ahead is
 * the one the first invocation uses, and after the file is rebuilt the next invocation runs the
 * new code.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LambdaRuntime } from '#cloud/lambda-runtime';

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
