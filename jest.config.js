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
    '^#cloud/(.*)$': '<rootDir>/scripts/local-cloud/$1',
    '^#data/(.*)$': '<rootDir>/shared/data/$1',
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 60000,
};
