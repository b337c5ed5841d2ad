// Two projects: `unit` runs in seconds and is what you run while coding;
// `e2e` starts real servers (the sandbox over HTTPS, child processes) and is slower.
// `npm test` runs both.

/** Packages that ship only ES modules; jest on Node 20 must transform them. */
const esmOnly = ['jose', 'react-intl', 'intl-messageformat', '@formatjs'];

const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript', tsx: true }, target: 'es2022', transform: { react: { runtime: 'automatic' } } },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': swc, '^.+\\.mjs$': swc },
  transformIgnorePatterns: [`node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'cjs', 'json'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', '/test/e2e/'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
  // A global option (jest ignores it per project): generous for the e2e suites, whose tests set their own.
  testTimeout: 30000,
};
