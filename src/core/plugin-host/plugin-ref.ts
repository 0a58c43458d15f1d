import { DiscoveryService } from '@nestjs/core';
import type { PluginDefinition } from '../plugin-sdk';

/** Marks the provider each plugin module registers, so the registry finds plugins through discovery. */
export const DiscoverablePlugin = DiscoveryService.createDecorator<{ kind: 'plugin' }>();

@DiscoverablePlugin({ kind: 'plugin' })
export class PluginRef {
  constructor(
    readonly definition: PluginDefinition,
    readonly source: string,
  ) {}
}
