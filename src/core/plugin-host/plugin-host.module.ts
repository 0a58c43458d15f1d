import { DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { PluginModule } from './plugin.module';
import { PluginRegistry } from './plugin-registry.service';
import { PluginHostConfigurableModule, PLUGIN_HOST_OPTIONS, PLUGIN_LOAD_REPORT, type PluginHostOptions } from './plugin-host.module-definition';

/** Registers every plugin the loader accepted as its own dynamic module, and the registry over them. */
@Global()
@Module({})
export class PluginHostModule extends PluginHostConfigurableModule {
  static forRoot(options: PluginHostOptions): DynamicModule {
    const base = super.forRoot(options);
    return {
      ...base,
      imports: [DiscoveryModule, ...options.report.loaded.map((p) => PluginModule.register(p))],
      providers: [
        ...(base.providers ?? []),
        { provide: PLUGIN_LOAD_REPORT, useFactory: (o: PluginHostOptions) => o.report, inject: [PLUGIN_HOST_OPTIONS] },
        PluginRegistry,
      ],
      exports: [PluginRegistry],
    };
  }
}
