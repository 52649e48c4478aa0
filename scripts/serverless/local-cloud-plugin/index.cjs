'use strict';
const { createHash } = require('node:crypto');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

/** The local cloud's own code, bundled once into one ES module next to it (gitignored). */
const LOCAL_CLOUD = path.resolve(__dirname, '../../local-cloud');
const ENTRY = path.join(LOCAL_CLOUD, 'offline.ts');
const BUNDLE = path.join(LOCAL_CLOUD, '.offline.bundle.mjs');

// The framework loads every plugin's module before it constructs any: this runs before
// serverless-esbuild's and serverless-offline's modules load (the plugin is listed first).
if (process.argv.includes('offline')) {
  enableCompileCache();
  preloadEmulatorThread('dynalite');
  loadEffectPackagesByModuleForEsbuildPlugin();
}

/**
 * serverless-esbuild requires the whole of `effect`, `@effect/platform` and `@effect/platform-node`
 * (their indexes load every one of their modules: 0.75 s of requiring it) and uses five of those
 * modules: Effect, Option, Predicate, FileSystem, and NodeFileSystem when it zips a package. For
 * `sls offline`, its `require` of any of the three gets an object that loads each module on first
 * use (`effect/Effect`, ...: the packages' own entry points), and anything else through the whole
 * package. Other importers and every other command are left alone.
 */
const LOADED_BY_MODULE = new Set(['effect', '@effect/platform', '@effect/platform-node']);

function loadEffectPackagesByModuleForEsbuildPlugin() {
  let pluginDir;
  try {
    pluginDir = path.dirname(require.resolve('serverless-esbuild/package.json', { paths: [process.cwd()] })) + path.sep;
  } catch {
    return;
  }
  const Module = require('node:module');
  const load = Module._load;
  Module._load = function loadByModule(request, parent, ...rest) {
    if (!LOADED_BY_MODULE.has(request) || !parent?.filename?.startsWith(pluginDir))
      return load.call(this, request, parent, ...rest);
    const loaded = new Map();
    return new Proxy(
      {},
      {
        get(_, name) {
          if (typeof name !== 'string') return undefined;
          if (!loaded.has(name)) {
            let part;
            try {
              part = /^[A-Z]\w*$/.test(name) ? load.call(Module, `${request}/${name}`, parent, false) : undefined;
            } catch {
              part = undefined;
            }
            loaded.set(name, part ?? load.call(Module, request, parent, false)[name]);
          }
          return loaded.get(name);
        },
      },
    );
  };
}

/**
 * Serverless plugin: `sls offline start` boots the embedded local cloud (DynamoDB, SQS,
 * EventBridge, Step Functions, Lambda on loopback), deploys this service's resources, functions
 * and event sources into it from the resolved config, and has serverless-offline's handlers run
 * in the local cloud's Lambda runtime (scripts/local-cloud/offline.ts says how and why).
 * It does nothing for package/deploy. The work is in TypeScript, bundled with esbuild on first use
 * and whenever one of its files changes (dependencies stay in node_modules), then imported as
 * plain JavaScript: no TypeScript loader in the framework's process, and a start that parses one
 * file instead of transforming dozens.
 *
 * Listed before serverless-esbuild and serverless-offline, it starts the local cloud in the
 * `before:` hook, without waiting, while serverless-esbuild (next) bundles the handlers; its
 * `offline:start(:init)` hook, which comes before serverless-offline's, says the bundles are ready
 * and waits for the cloud. It works listed after serverless-esbuild too, one step after the other.
 */
class LocalCloudPlugin {
  constructor(serverless, options, { log } = {}) {
    if (serverless.processedInput?.commands?.[0] === 'offline') skipRevalidation(serverless, log);
    this.serverless = serverless;
    this.options = options;
    this.log = log;
    this.session = undefined;
    this.starting = undefined;
    this.markBundled = () => undefined;
    this.hooks = {
      'before:offline:start:init': () => this.boot(),
      'before:offline:start': () => this.boot(),
      'offline:start:init': () => this.ready(),
      'offline:start': () => this.ready(),
      // serverless-esbuild's watch rebuilt the bundles: the runtime's environments load them anew.
      'offline:functionsUpdated:cleanup': () => this.session?.reloadCode(),
      'offline:start:end': () => this.stop(),
    };
  }

  /** Starts the local cloud and returns at once (its failure surfaces in `ready`). */
  boot() {
    if (this.starting) return;
    const bundled = new Promise((resolve) => {
      this.markBundled = resolve;
    });
    this.starting = this.start(bundled);
    this.starting.catch(() => undefined);
  }

  /** The handlers are bundled (serverless-esbuild's hook has run): waits for the local cloud. */
  async ready() {
    this.boot();
    this.markBundled();
    this.session = await this.starting;
  }

  async start(bundled) {
    this.log?.debug?.('loading the local cloud');
    const { buildCached } = await import(pathToFileURL(path.join(LOCAL_CLOUD, 'cached-build.mjs')).href);
    await buildCached(
      {
        entryPoints: [ENTRY],
        // Its modules find their neighbours (worker threads, osls) relative to import.meta.url:
        // the bundle and its chunks sit in their folder, so those paths hold.
        outdir: LOCAL_CLOUD,
        entryNames: '.offline.bundle',
        // What only some services use (the local EventBridge, Step Functions and their
        // dependencies) is a chunk of its own, loaded only when the service needs it.
        splitting: true,
        chunkNames: '.offline.chunk-[hash]',
        outExtension: { '.js': '.mjs' },
        absWorkingDir: path.resolve(LOCAL_CLOUD, '../..'),
        bundle: true,
        packages: 'external',
        platform: 'node',
        format: 'esm',
        target: 'node22',
        logLevel: 'error',
      },
      { manifest: `${BUNDLE}.inputs.json` },
    );
    const offline = await import(pathToFileURL(BUNDLE).href);
    this.log?.debug?.('local cloud loaded');
    preloadServerlessOffline();
    return offline.startOfflineCloud(this.serverless, this.options, this.log, bundled);
  }

  async stop() {
    const session = this.session ?? (await this.starting?.catch(() => undefined));
    this.session = undefined;
    this.starting = undefined;
    if (session) await session.stop();
  }
}

/**
 * Starts DynamoDB's emulator thread while the framework is still loading the other plugins (about
 * 1.5 s on the main thread, the other core idle): loading dynalite's code in a thread of its own
 * took 0.35-0.4 s of the local cloud's start, the longest of its emulators. The thread waits for
 * where to listen; the local cloud takes it when it starts (scripts/local-cloud/cloud.ts). Unref'd
 * until then: a command that never starts the cloud is not kept alive by it.
 */
function preloadEmulatorThread(kind) {
  const { Worker } = require('node:worker_threads');
  const key = Symbol.for(`order-pipelines.preloaded-emulator-thread.${kind}`);
  const worker = new Worker(path.join(LOCAL_CLOUD, 'emulator-thread.mjs'), { workerData: { kind, deferred: true } });
  // A thread that failed to load is not handed on: the local cloud starts one of its own, which says why.
  const drop = () => {
    if (globalThis[key] === worker) globalThis[key] = undefined;
  };
  worker.once('error', drop);
  worker.once('exit', drop);
  worker.unref();
  globalThis[key] = worker;
}

/**
 * serverless-offline imports its Lambda and HTTP modules (hapi and the rest, about 0.7 s on two
 * cores) only once its own `offline:start` hook runs, after this plugin's. Importing the same files
 * now (by URL: the module map is shared, so its own imports find them loaded) fills the time the
 * main thread otherwise spends waiting for serverless-esbuild's bundles and the emulators' threads.
 * A failure here changes nothing: serverless-offline imports them itself, and reports it.
 */
function preloadServerlessOffline() {
  try {
    const src = path.dirname(require.resolve('serverless-offline'));
    for (const file of ['lambda/index.js', 'events/http/index.js']) {
      import(pathToFileURL(path.join(src, file)).href).catch(() => undefined);
    }
  } catch {
    // Not installed where this plugin resolves it: serverless-offline loads as usual.
  }
}

/** Where `sls offline` keeps what it reuses between starts (as the local cloud does). */
function workDirOf() {
  return process.env.LOCAL_CLOUD_DIR || path.resolve(LOCAL_CLOUD, '../../.local-cloud');
}

/** How many validated configurations are remembered (services x stages x recent edits). */
const VALIDATED_KEPT = 50;

/**
 * `sls offline start` validates a configuration only once: the framework checks the resolved
 * serverless.yml against its JSON schema (its own and every plugin's) on each command, and the
 * first run of that generated validator in a process costs about 1.2 s of its ~5 s start on two
 * cores (V8 compiles the whole validator lazily, on its first call, every time; measured by timing
 * `validateConfig`'s steps). The same configuration, resolved to the same JSON, checked against the
 * same schema by the same framework version passes again, so a start whose configuration and
 * schema both hash to a pair that passed before, with no warning, skips the check. A changed
 * serverless.yml, plugin or framework is validated as usual, and a configuration that failed or
 * warned is never remembered. `sls package` and `sls deploy` always validate.
 */
function skipRevalidation(serverless, log) {
  const handler = serverless.configSchemaHandler;
  if (!handler || typeof handler.validateConfig !== 'function') return;
  const validateConfig = handler.validateConfig.bind(handler);
  const file = path.join(workDirOf(), 'validated-configs.json');
  handler.validateConfig = async (userConfig) => {
    let key;
    try {
      key = createHash('sha256')
        .update(JSON.stringify([serverless.version ?? '', handler.schema, userConfig]))
        .digest('hex');
    } catch {
      // Not plain JSON (a circular value, say): validate as usual.
      return validateConfig(userConfig);
    }
    const { readKeys, rememberKey } = await import(pathToFileURL(path.join(LOCAL_CLOUD, 'remembered-keys.mjs')).href);
    if (readKeys(file).includes(key)) {
      log?.debug?.('configuration passed before (same configuration, schema, framework): not validated again');
      return;
    }
    await validateConfig(userConfig);
    const passed = handler.constructor.getConfigurationValidationResult?.(serverless.configurationInput);
    if (passed === true) rememberKey(file, key, VALIDATED_KEPT);
  };
}

/**
 * V8's compile cache on disk (Node 22) for what `sls offline` loads from here on: the other
 * plugins, the configuration schema's validator, the local cloud, the AWS SDK. A start after the
 * first reads their compiled code from the cache instead of compiling them again.
 */
function enableCompileCache() {
  const { enableCompileCache: enable } = require('node:module');
  enable?.(path.join(workDirOf(), 'compile-cache'));
}

module.exports = LocalCloudPlugin;
