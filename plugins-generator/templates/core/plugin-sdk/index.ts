// The template plugin imports the SDK by the path a generated plugin uses (../../core/plugin-sdk); this
// stand-in forwards it to the real one, so the template compiles and its tests run where it lies.
export * from '../../../../src/core/plugin-sdk';
