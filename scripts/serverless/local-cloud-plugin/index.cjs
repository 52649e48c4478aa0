'use strict';
const path = require('node:path');
const { pathToFileURL } = require('node:url');

/** The local cloud's own code, bundled once into one ES module next to it (gitignored). */
const LOCAL_CLOUD = path.resolve(__dirname, '../../local-cloud');
const ENTRY = path.join(LOCAL_CLOUD, 'offline.ts');
const BUNDLE = path.join(LOCAL_CLOUD, '.offline.bundle.mjs');

// The framework loads every plugin's module before it constructs any: this runs before
// serverless-esbuild's and serverless-offline's modules load (the plugin is listed first).
if (process.argv.includes('offline')) enableCompileCache();

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
 * V8's compile cache on disk (Node 22) for what `sls offline` loads from here on: the other
 * plugins, the configuration schema's validator, the local cloud, the AWS SDK. A start after the
 * first reads their compiled code from the cache instead of compiling them again.
 */
function enableCompileCache() {
  const { enableCompileCache: enable } = require('node:module');
  const workDir = process.env.LOCAL_CLOUD_DIR || path.resolve(LOCAL_CLOUD, '../../.local-cloud');
  enable?.(path.join(workDir, 'compile-cache'));
}

module.exports = LocalCloudPlugin;
