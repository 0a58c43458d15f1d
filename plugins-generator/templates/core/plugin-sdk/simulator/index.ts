// Forwards the template simulator's imports to the SDK's simulator entry point (see ../index.ts).
export * from '../../../../../src/core/plugin-sdk/simulator';
