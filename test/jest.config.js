const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022', keepClassNames: true,
  },
  module: { type: 'commonjs' }, sourceMaps: 'inline',
};
module.exports = {
  rootDir: '..',
  testEnvironment: 'node',
  // three tiers: unit (*.spec.ts), real Postgres/Redis (*.int-spec.ts), whole app over HTTP (*.e2e-spec.ts)
  testRegex: '(src|test|plugins-generator)/.*\\.(spec|int-spec|e2e-spec)\\.ts$',
  testTimeout: 30000,
  moduleFileExtensions: ['ts', 'js', 'json'],
  // sources import with .js suffixes (nodenext); under Jest they resolve to the .ts files
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', swc] },
  setupFiles: ['<rootDir>/test/setup/no-network.setup.js'],
  reporters: ['default', '<rootDir>/test/setup/plain-summary.reporter.js'],
  // Nest 12 and file-type's chain are ESM-only: let swc turn them into CJS too
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|jose|content-disposition|file-type|strtok3|token-types|@tokenizer|uint8array-extras|@borewit|load-esm)/)'],
};
