'use strict';
const path = require('node:path');
const { pathToFileURL } = require('node:url');

/** The local cloud's own code, bundled once into one ES module next to it (gitignored). */
const LOCAL_CLOUD = path.resolve(__dirname, '../../local-cloud');
const ENTRY = path.join(LOCAL_CLOUD, 'offline.ts');
const BUNDLE = path.join(LOCAL_CLOUD, '.offline.bundle.mjs');

/**
 * Serverless plugin: `sls offline start` boots the embedded local cloud (DynamoDB, SQS,
 * EventBridge, Step Functions on loopback), deploys this service's resources and event sources
 * into it from the resolved config, and points serverless-offline's handlers at it.
 * It does nothing for package/deploy. The work is in TypeScript (scripts/local-cloud/offline.ts),
 * bundled with esbuild on first use and whenever one of its files changes (dependencies stay in
 * node_modules), then imported as plain JavaScript: no TypeScript loader in the framework's
 * process, and a start that parses one file instead of transforming dozens.
 */
class LocalCloudPlugin {
  constructor(serverless, options, { log } = {}) {
    this.serverless = serverless;
    this.options = options;
    this.log = log;
    this.session = undefined;
    this.hooks = {
      'before:offline:start:init': () => this.start(),
      'before:offline:start': () => this.start(),
      'offline:start:end': () => this.stop(),
    };
  }

  async start() {
    if (this.session) return;
    const { buildCached } = await import(pathToFileURL(path.join(LOCAL_CLOUD, 'cached-build.mjs')).href);
    await buildCached({
      entryPoints: [ENTRY],
      outfile: BUNDLE,
      absWorkingDir: path.resolve(LOCAL_CLOUD, '../..'),
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node22',
      logLevel: 'error',
      // Its modules find their neighbours (worker threads, osls) relative to import.meta.url:
      // the bundle sits in their folder, so those paths hold.
    });
    const offline = await import(pathToFileURL(BUNDLE).href);
    this.session = await offline.startOfflineCloud(this.serverless, this.options, this.log);
  }

  async stop() {
    const session = this.session;
    this.session = undefined;
    if (session) await session.stop();
  }
}

module.exports = LocalCloudPlugin;
