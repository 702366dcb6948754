// Tests are compiled by the one `tsc` build and run as native ES modules from dist/
// (NestJS 12 ships ES modules only), so Jest needs no transform.
//
// Two projects, each test file in exactly one: `npm test` runs both once; `npm run test:unit`
// selects `unit` alone, which has no global setup and so needs no Postgres or Redis.
const common = {
  rootDir: 'dist',
  testEnvironment: 'node',
  transform: {},
};

/** The pure tests: beside the code in libs/ and apps/, and the city simulator's own tests. */
const unit = {
  ...common,
  displayName: 'unit',
  testMatch: ['<rootDir>/libs/**/*.spec.js', '<rootDir>/apps/**/*.spec.js', '<rootDir>/test/support/city/**/*.spec.js'],
  // A test that needs servers is named for its layer and belongs to `system`, wherever it lives.
  testPathIgnorePatterns: ['\\.int\\.spec\\.js$', '\\.e2e\\.spec\\.js$'],
};

/** Everything else: integration and end-to-end tests, against real Postgres and Redis. */
const system = {
  ...common,
  displayName: 'system',
  testMatch: ['<rootDir>/**/*.spec.js'],
  // Not the unit project's files: its folders, except the specs named for a layer that needs servers.
  testPathIgnorePatterns: ['<rootDir>/(libs|apps|test/support/city)/(?!.*\\.(int|e2e)\\.spec\\.js$)'],
  // Builds the migrated template database every test database is copied from.
  globalSetup: '<rootDir>/test/support/global-setup.js',
};

// testTimeout and maxWorkers are global options: Jest ignores them inside a project.
export default {
  projects: [unit, system],
  testTimeout: 30_000,
  maxWorkers: 2,
};
