import { Global, Module } from '@nestjs/common';
import { parseConfig, PlugboardConfig } from './config.schema';

export const PLUGBOARD_CONFIG = Symbol('PLUGBOARD_CONFIG');

@Global()
@Module({
  providers: [{ provide: PLUGBOARD_CONFIG, useFactory: (): PlugboardConfig => parseConfig(process.env) }],
  exports: [PLUGBOARD_CONFIG],
})
export class ConfigModule {}
