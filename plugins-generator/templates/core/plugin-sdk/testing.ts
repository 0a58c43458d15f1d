// Forwards the template's test imports to the SDK's testing entry point (see index.ts here).
export * from '../../../../src/core/plugin-sdk/testing';
