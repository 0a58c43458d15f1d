/**
 * The plugin SDK: the one module a plugin imports. Everything a connector needs from the core is
 * re-exported here; nothing else in src/core is a plugin's business.
 */
export { z } from 'zod';
export * from './define';
export * from './plugin.types';
export * from './http.types';
export * from './unified-models';
export * from './simulator';
