// Runs a third-party emulator (dynalite) on a thread of its own, so the local cloud
// uses more than one core: with everything on the main thread, DynamoDB and SQS emulation
// queued behind each other and capped the pipeline's throughput. Plain JavaScript because a
// worker thread loads it without the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { crc32 } from 'node:zlib';

const require = createRequire(import.meta.url);
// The emulator's code loads first; a thread started ahead of need (`deferred`: `sls offline`'s
// plugin starts one while the framework loads its plugins) then waits to be told where to listen.
const dynalite = workerData.kind === 'dynalite' ? require('dynalite') : undefined;
const { kind, port, host, dataDir } = workerData.deferred
  ? await new Promise((resolve) => parentPort.once('message', resolve))
  : workerData;

async function start() {
  if (kind === 'dynalite') {
    // With a data directory, dynalite keeps tables and items in LevelDB there (classic-level,
    // loaded from its prebuilt binary); without one, in memory.
    if (dataDir) await checkDataDir(dataDir);
    const server = dynalite({
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
      ...(dataDir ? { path: dataDir } : {}),
    });
    meterConsumedCapacity(server);
    await new Promise((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
    return {
      port: server.address().port,
      stop: () =>
        new Promise((resolve) => {
          // dynalite closes its database once the HTTP server has closed; a client's keep-alive
          // connection must not hold that up (the database's lock would outlive the thread).
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  }
  throw new Error(`unknown emulator ${kind}`);
}

/**
 * Opens the data directory once with dynalite's own LevelDB before dynalite does: dynalite opens it
 * lazily, so a directory another local cloud holds (LevelDB's lock) would only fail the first
 * request, and bring the thread down. Here it fails the start, saying why.
 */
async function checkDataDir(dataDir) {
  const { Level } = createRequire(require.resolve('dynalite'))('level');
  const db = new Level(dataDir, { valueEncoding: 'json' });
  try {
    await db.open();
  } catch (error) {
    const cause = error.cause?.message ?? error.message;
    throw Object.assign(
      new Error(`cannot open the DynamoDB data in ${dataDir} (another local cloud using it?): ${cause}`),
      {
        code: error.cause?.code ?? error.code,
      },
    );
  }
  await db.close();
}

const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

/**
 * DynamoDB's own CloudWatch metrics (ConsumedRead/WriteCapacityUnits per table), counted where
 * AWS counts them, in the service, whoever the caller: every data call is asked for its consumed
 * capacity, which is taken out of the answer again when the caller did not ask for it. A failed
 * condition consumes a write unit, as on AWS. Sent to the local cloud's CloudWatch every 200 ms.
 */
function meterConsumedCapacity(server) {
  const [handler] = server.listeners('request');
  server.removeAllListeners('request');
  const pending = new Map();
  const add = (table, metricName, units) => {
    if (!table || !units) return;
    const key = `${table}\u0000${metricName}`;
    pending.set(key, (pending.get(key) ?? 0) + units);
  };
  setInterval(() => {
    if (pending.size === 0) return;
    const data = [...pending].map(([key, value]) => {
      const [table, metricName] = key.split('\u0000');
      return { namespace: 'AWS/DynamoDB', metricName, dimensions: { TableName: table }, value, atMs: Date.now() };
    });
    pending.clear();
    parentPort.postMessage({ type: 'metrics', data });
  }, 200).unref();
  server.on('request', (req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    if (!READS.has(operation) && !WRITES.has(operation)) return handler(req, res);
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      let input;
      try {
        input = JSON.parse(body.toString('utf8'));
      } catch {
        input = undefined;
      }
      const asked = input?.ReturnConsumedCapacity === 'TOTAL' || input?.ReturnConsumedCapacity === 'INDEXES';
      if (input && !asked) {
        input.ReturnConsumedCapacity = 'TOTAL';
        body = Buffer.from(JSON.stringify(input));
      }
      const forwarded = new PassThrough();
      Object.assign(forwarded, {
        headers: { ...req.headers, 'content-length': String(body.length) },
        method: req.method,
        url: req.url,
        socket: req.socket,
      });
      const end = res.end.bind(res);
      res.end = (payload, ...rest) => {
        if (typeof payload !== 'string' || !input) return end(payload, ...rest);
        let output;
        try {
          output = JSON.parse(payload);
        } catch {
          return end(payload, ...rest);
        }
        const metric = WRITES.has(operation) ? 'ConsumedWriteCapacityUnits' : 'ConsumedReadCapacityUnits';
        if (String(output.__type ?? '').endsWith('ConditionalCheckFailedException')) add(input.TableName, metric, 1);
        const consumed = output.ConsumedCapacity;
        for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : [])
          add(c.TableName, metric, c.CapacityUnits);
        if (asked || consumed === undefined) return end(payload, ...rest);
        delete output.ConsumedCapacity;
        const text = JSON.stringify(output);
        res.setHeader('x-amz-crc32', crc32(text));
        res.setHeader('Content-Length', Buffer.byteLength(text, 'utf8'));
        return end(text);
      };
      handler(forwarded, res);
      forwarded.end(body);
    });
  });
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
