// ES modules throughout: ts-jest transpiles (isolatedModules, no type check here; `npm run
// typecheck` runs tsc once for the whole tree, which is faster than per-file checking).
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  moduleNameMapper: {
    '^#domain/(.*)$': '<rootDir>/shared/domain/$1',
    '^#adapters/(.*)$': '<rootDir>/shared/adapters/$1',
    '^#observability/(.*)$': '<rootDir>/shared/observability/$1',
    '^#api/(.*)$': '<rootDir>/shared/api/$1',
    '^#data/(.*)$': '<rootDir>/shared/data/$1',
    '^#cloud/(.*)$': '<rootDir>/scripts/local-cloud/$1',
    '^#lib/(.*)$': '<rootDir>/scripts/lib/$1',
    '^#report/(.*)$': '<rootDir>/scripts/report/$1',
    '^#measure/(.*)$': '<rootDir>/scripts/measure/$1',
    '^#serverless/(.*)$': '<rootDir>/scripts/serverless/$1',
    '^#conformance/(.*)$': '<rootDir>/scripts/conformance/$1',
    '^#services/(.*)$': '<rootDir>/services/$1',
    '^#test/(.*)$': '<rootDir>/test/$1',
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 60000,
};
