import type { z } from 'zod';
import type { ActionDefinition, PluginDefinition, SyncDefinition, WebhookDefinition } from './plugin.types';
import type { UnifiedModel } from './unified-models';

/** Identity functions that give plugins type inference; the loader validates the result at boot. */
export function definePlugin(def: PluginDefinition): PluginDefinition {
  return def;
}

export function defineSync<Raw, M extends UnifiedModel>(def: SyncDefinition<Raw, M>): SyncDefinition<Raw, M> {
  return def;
}

export function defineAction<I extends z.ZodType, O extends z.ZodType>(def: ActionDefinition<I, O>): ActionDefinition<I, O> {
  return def;
}

export function defineWebhooks(def: WebhookDefinition): WebhookDefinition {
  return def;
}
