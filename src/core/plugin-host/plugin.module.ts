import { DynamicModule, Module } from '@nestjs/common';
import type { LoadedPlugin } from './plugin-loader';
import { PluginRef } from './plugin-ref';

/** One dynamic module per discovered plugin. */
@Module({})
export class PluginModule {
  static register(plugin: LoadedPlugin): DynamicModule {
    const token = `plugboard:plugin:${plugin.definition.name}`;
    return {
      module: PluginModule,
      providers: [{ provide: token, useValue: new PluginRef(plugin.definition, plugin.source) }],
      exports: [token],
    };
  }
}
