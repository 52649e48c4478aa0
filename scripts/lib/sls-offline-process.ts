import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { DEFAULT_PORTS, PROJECT_ROOT } from '../local-cloud/cloud.ts';

/** A free TCP port on loopback (serverless-offline takes fixed ports, not 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
  });
}

export interface SlsOfflineProcess {
  child: ChildProcess;
  httpPort: number;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Its exit code once it has exited (null after a signal), undefined while it runs. */
  exitCode(): number | null | undefined;
  /** Resolves when a line it prints matches; rejects if it exits first or `capMs` passes. */
  waitFor(line: RegExp, capMs: number): Promise<void>;
  /** SIGINT to its process group, as Ctrl-C; SIGKILL if it has not exited after 10 s. */
  stop(): Promise<void>;
}

/**
 * `sls offline start --stage local` in a service folder, as a user runs it (the framework's own
 * bin, with this Node), on free ports: serverless-offline's HTTP and Lambda ports, and every
 * emulator's. `cloudDir` is the local cloud's directory (`LOCAL_CLOUD_DIR`; the project's
 * `.local-cloud/` when left out). `onData` sees each chunk of output as it comes.
 */
export async function spawnSlsOffline(options: {
  serviceDir: string;
  cloudDir?: string;
  args?: string[];
  onData?: (chunk: string) => void;
}): Promise<SlsOfflineProcess> {
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  const serverless = path.join(PROJECT_ROOT, 'node_modules/osls/bin/serverless.js');
  const args = [
    'offline',
    'start',
    '--stage',
    'local',
    '--httpPort',
    String(httpPort),
    '--lambdaPort',
    String(lambdaPort),
  ];
  const child = spawn(process.execPath, [serverless, ...args, ...(options.args ?? [])], {
    cwd: options.serviceDir,
    env: {
      ...process.env,
      // Every emulator of the local cloud on a port the system picks: a running cloud keeps its own.
      ...Object.fromEntries(Object.keys(DEFAULT_PORTS).map((s) => [`LOCAL_${s.toUpperCase()}_PORT`, '0'])),
      ...(options.cloudDir ? { LOCAL_CLOUD_DIR: options.cloudDir } : {}),
      SLS_TELEMETRY_DISABLED: '1',
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      resolve();
    }),
  );
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    options.onData?.(text);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return {
    child,
    httpPort,
    output: () => output,
    exitCode: () => exited,
    waitFor(line, capMs) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          clearInterval(poll);
          reject(new Error(`sls offline printed no ${line} in ${capMs} ms:\n${output}`));
        }, capMs);
        const poll = setInterval(() => {
          if (line.test(output)) {
            clearTimeout(timer);
            clearInterval(poll);
            resolve();
          } else if (exited !== undefined) {
            clearTimeout(timer);
            clearInterval(poll);
            reject(new Error(`sls offline exited with ${exited}:\n${output}`));
          }
        }, 20);
      });
    },
    async stop() {
      if (!child.pid || exited !== undefined) return;
      process.kill(-child.pid, 'SIGINT');
      const timer = setTimeout(() => {
        if (child.pid && exited === undefined) process.kill(-child.pid, 'SIGKILL');
      }, 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
