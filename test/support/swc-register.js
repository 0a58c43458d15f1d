// Lets a child process run the TypeScript sources directly, as Jest does: `node -r ./test/support/swc-register.js x.ts`.
const Module = require('node:module');
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022', keepClassNames: true,
  },
  module: { type: 'commonjs' }, sourceMaps: 'inline',
};

// sources import with .js suffixes (nodenext): resolve them to the .ts files
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  try {
    return resolve.call(this, request, ...rest);
  } catch (e) {
    if (request.startsWith('.') && request.endsWith('.js')) return resolve.call(this, request.slice(0, -3), ...rest);
    throw e;
  }
};

require.extensions['.ts'] = function (module, filename) {
  module._compile(transformSync(readFileSync(filename, 'utf8'), { ...options, filename }).code, filename);
};
