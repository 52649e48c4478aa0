'use strict';
/**
 * Serverless plugin: `sls offline start` boots the embedded local cloud (DynamoDB, SQS,
 * EventBridge, Step Functions on loopback), deploys this service's resources and event sources
 * into it from the resolved config, and points serverless-offline's handlers at it.
 * It does nothing for package/deploy. The work is in TypeScript (scripts/local-cloud/offline.ts),
 * loaded through tsx on first use.
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
    const { register } = require('tsx/cjs/api');
    register();
    const { tsImport } = require('tsx/esm/api');
    const offline = await tsImport('../../local-cloud/offline.ts', __filename);
    this.session = await offline.startOfflineCloud(this.serverless, this.options, this.log);
  }

  async stop() {
    const session = this.session;
    this.session = undefined;
    if (session) await session.stop();
  }
}

module.exports = LocalCloudPlugin;
