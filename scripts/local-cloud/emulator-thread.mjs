// Runs a third-party emulator (dynalite) on a thread of its own, so the local cloud
// uses more than one core: with everything on the main thread, DynamoDB and SQS emulation
// queued behind each other and capped the pipeline's throughput. Plain JavaScript because a
// worker thread loads it without the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { kind, port, host } = workerData;

async function start() {
  if (kind === 'dynalite') {
    const dynalite = require('dynalite');
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
    return { port: server.address().port, stop: () => new Promise((resolve) => server.close(() => resolve())) };
  }
  throw new Error(`unknown emulator ${kind}`);
}

start().then(
  (emulator) => {
    parentPort.postMessage({ type: 'ready', port: emulator.port });
    parentPort.on('message', async (message) => {
      if (message === 'stop') {
        await emulator.stop().catch(() => undefined);
        parentPort.postMessage({ type: 'stopped' });
      }
    });
  },
  (error) => parentPort.postMessage({ type: 'error', message: error.message, code: error.code }),
);
