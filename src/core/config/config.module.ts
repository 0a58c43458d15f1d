import { DynamicModule, Global, Module } from '@nestjs/common';
import type { PlugboardConfig } from './config.schema';

export const PLUGBOARD_CONFIG = Symbol('PLUGBOARD_CONFIG');

/** The configuration, parsed and validated once before the app is built (so a bad setting stops the boot in one line). */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: PlugboardConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: PLUGBOARD_CONFIG, useValue: config }], exports: [PLUGBOARD_CONFIG] };
  }
}
