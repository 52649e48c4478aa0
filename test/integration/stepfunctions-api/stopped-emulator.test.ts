/**
 * A stopped local Step Functions releases everything it holds, so the process that ran it (a
 * test run, `npm run conformance`, `npm start`) ends on its own. Tasks still running when their
 * execution ends, by StopExecution or by the emulator stopping, used to keep the interpreter's
 * per-Task timer (about 24.8 days) alive, and Jest never exited after the conformance suite.
 * The scenario runs in a child process because only a fresh process can show that nothing is left.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, it } from '@jest/globals';

const SCENARIO = path.join(
  path.dirname(new URL(import.meta.url).pathname),
  'stopped-emulator',
  'leave-tasks-running.ts',
);
/** Generous on a busy machine: the scenario takes a few seconds; a leak holds it for hours. */
const EXIT_CAP_MS = 60_000;

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  exitedOnItsOwn: boolean;
}

function runScenario(): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCENARIO], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let exitedOnItsOwn = true;
    const cap = setTimeout(() => {
      exitedOnItsOwn = false;
      child.kill('SIGKILL');
    }, EXIT_CAP_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(cap);
      resolve({ code, stdout, stderr, exitedOnItsOwn });
    });
  });
}

it('lets the process exit once stopped, with tasks (and a TestState) left waiting for a token or a Lambda', async () => {
  const result = await runScenario();
  expect({ exitedOnItsOwn: result.exitedOnItsOwn, code: result.code, stderr: result.stderr }).toEqual({
    exitedOnItsOwn: true,
    code: 0,
    stderr: '',
  });
  const seen = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}');
  expect(seen).toEqual({
    // StopExecution ends the waiting task: its token is refused as AWS refuses it.
    stopped: { status: 'ABORTED', lateSuccess: 'TaskDoesNotExist' },
    before: { waiting: 'RUNNING', running: 'RUNNING' },
    after: { waiting: 'ExecutionAborted', running: 'ExecutionAborted', stillRunning: 0, testState: 'refused' },
  });
}, 90_000);
