// The load tier, `npm run test:load`: test/load/ (the main and review jobs run whole, the load
// test against sls offline, drills, a stress cell, restarts of the local cloud, bursts and seeded
// mixes at load). One file at a time: these suites measure, and each loads both cores itself.
import { base } from './jest.config.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  maxWorkers: 1,
  testMatch: ['<rootDir>/test/load/**/*.test.ts'],
};
