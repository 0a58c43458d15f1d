export * from './plugin-loader';
export * from './plugin-host.module';
export * from './plugin-registry.service';
export * from './plugins.controller';
