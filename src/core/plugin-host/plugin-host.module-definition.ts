import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { PluginLoadReport } from './plugin-loader';

export interface PluginHostOptions {
  report: PluginLoadReport;
}

export const PLUGIN_LOAD_REPORT = Symbol('PLUGIN_LOAD_REPORT');

export const { ConfigurableModuleClass: PluginHostConfigurableModule, MODULE_OPTIONS_TOKEN: PLUGIN_HOST_OPTIONS } =
  new ConfigurableModuleBuilder<PluginHostOptions>().setClassMethodName('forRoot').build();
