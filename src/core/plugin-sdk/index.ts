/**
 * The plugin SDK: the one module a plugin imports. Everything a connector needs from the core is
 * re-exported here; nothing else in src/core is a plugin's business. Simulators (test and demo code)
 * import './simulator' and plugin tests './testing', so production never loads them.
 */
export { z } from 'zod';
export * from './define';
export * from './plugin.types';
export * from './http.types';
export * from './unified-models';
export * from './webhook-scheme';
export * from './webhook-presets';
export * from './webhook-signature';
export * from './publishing';
export * from './connection-check';
