import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import path from 'node:path';
import { DEFAULT_PORTS, PROJECT_ROOT } from '../local-cloud/cloud.ts';

/**
 * The lowest port the system hands out for `listen(0)`: Linux says so in /proc; elsewhere (macOS,
 * Windows) the IANA range starts at 49152.
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low)) return low;
  } catch {
    // not Linux
  }
  return 49152;
}

function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined)).listen(port, '127.0.0.1', () => resolve(server));
  });
}

/**
 * `count` distinct free TCP ports on loopback for serverless-offline, which takes fixed ports,
 * not 0. They are picked below the system's ephemeral range: the local cloud's emulators in the
 * same process listen on port 0, and a port picked by `listen(0)` and released could be handed
 * to one of them before serverless-offline listens on it (EADDRINUSE, seen in CI). All are held
 * open until every one is found, so no two are the same. (Should the ephemeral range start below
 * 11000, it falls back to ports from `listen(0)`.)
 */
export async function freePorts(count: number): Promise<number[]> {
  const [low, high] = [10_000, ephemeralLow() - 1];
  const held: Server[] = [];
  try {
    for (let tries = 0; held.length < count && tries < 200; tries++) {
      const server =
        high - low >= 1_000 ? await listenOn(low + Math.floor(Math.random() * (high - low + 1))) : await listenOn(0);
      if (server) held.push(server);
    }
    if (held.length < count) throw new Error(`no ${count} free ports on 127.0.0.1 between ${low} and ${high}`);
    return held.map((server) => (server.address() as AddressInfo).port);
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
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
  const [httpPort, lambdaPort] = (await freePorts(2)) as [number, number];
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
