/** The fault tests (test/faults): same PostgreSQL setup as `npm test`, run on their own by `npm run test:faults`. */
const base = require('./jest.config');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/faults/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 120000,
};
