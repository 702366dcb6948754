// Tests are compiled by the one `tsc` build and run as native ES modules from dist/
// (NestJS 12 ships ES modules only), so Jest needs no transform.
export default {
  rootDir: 'dist',
  testEnvironment: 'node',
  transform: {},
  testMatch: ['**/*.spec.js'],
  testTimeout: 30_000,
  globalSetup: '<rootDir>/test/support/global-setup.js',
  maxWorkers: 2,
};
