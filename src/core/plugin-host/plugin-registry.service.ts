import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { z } from 'zod';
import type { AuthKind, PluginDefinition } from '../plugin-sdk';
import type { PluginLoadReport, RefusedPlugin } from './plugin-loader';
import { DiscoverablePlugin, PluginRef } from './plugin-ref';
import { PLUGIN_LOAD_REPORT } from './plugin-host.module-definition';

export interface CatalogFilter {
  category?: string;
  q?: string;
  auth?: AuthKind;
}

/** The catalog's view of a plugin: data only, never functions. */
export interface CatalogEntry {
  name: string;
  displayName: string;
  description: string;
  category: string;
  version: string;
  docsUrl: string | null;
  auth: { kind: AuthKind; fields: { name: string; label: string; secret: boolean; required: boolean }[]; scopes?: readonly string[] }[];
  entities: { name: string; model: string; incremental: boolean; description: string | null }[];
  actions: { name: string; description: string; kind: string; input: unknown; output: unknown }[];
  webhooks: { supported: boolean; scheme: string | null; appLevel: boolean; subscribes: boolean };
  rateLimit: PluginDefinition['rateLimit'];
}

/** Answers which plugins are loaded. Filled through Nest's DiscoveryService from each plugin module. */
@Injectable()
export class PluginRegistry implements OnModuleInit {
  private readonly plugins = new Map<string, PluginRef>();
  private readonly catalogCache = new Map<string, CatalogEntry>();

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(PLUGIN_LOAD_REPORT) private readonly report: PluginLoadReport,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: DiscoverablePlugin.KEY })) {
      const ref = wrapper.instance as PluginRef;
      this.plugins.set(ref.definition.name, ref);
    }
  }

  list(): PluginDefinition[] {
    return [...this.plugins.values()].map((r) => r.definition);
  }

  get(name: string): PluginDefinition | undefined {
    return this.plugins.get(name)?.definition;
  }

  /** what the loader found at boot, for a process that builds another app from the same plugins */
  get loadReport(): PluginLoadReport {
    return this.report;
  }

  get refused(): readonly RefusedPlugin[] {
    return this.report.refused;
  }

  get disabled(): readonly string[] {
    return this.report.disabled;
  }

  catalog(filter: CatalogFilter = {}): CatalogEntry[] {
    const q = filter.q?.toLowerCase();
    return this.list()
      .filter((p) => !filter.category || p.category === filter.category)
      .filter((p) => !filter.auth || p.auth.some((a) => a.kind === filter.auth))
      .filter((p) => !q || `${p.name} ${p.displayName} ${p.description}`.toLowerCase().includes(q))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((p) => this.entry(p.name)!);
  }

  entry(name: string): CatalogEntry | undefined {
    const cached = this.catalogCache.get(name);
    if (cached) return cached;
    const p = this.get(name);
    if (!p) return undefined;
    const entry: CatalogEntry = {
      name: p.name,
      displayName: p.displayName,
      description: p.description,
      category: p.category,
      version: p.version,
      docsUrl: p.docsUrl ?? null,
      auth: p.auth.map((a) => ({
        kind: a.kind,
        fields: Object.entries(a.fields ?? {}).map(([fieldName, f]) => ({ name: fieldName, label: f.label, secret: f.secret, required: f.required ?? false })),
        ...(a.kind === 'oauth2' ? { scopes: a.scopes } : {}),
      })),
      entities: Object.entries(p.entities).map(([n, e]) => ({ name: n, model: e.model, incremental: e.incremental, description: e.description ?? null })),
      actions: Object.entries(p.actions).map(([n, a]) => ({ name: n, description: a.description, kind: a.kind, input: toJsonSchema(a.input), output: toJsonSchema(a.output) })),
      webhooks: { supported: !!p.webhooks, scheme: p.webhooks?.scheme.name ?? null, appLevel: !!p.webhooks?.routingKey, subscribes: !!p.webhooks?.subscribe },
      rateLimit: p.rateLimit,
    };
    this.catalogCache.set(name, entry);
    return entry;
  }
}

function toJsonSchema(schema: unknown): unknown {
  try {
    return z.toJSONSchema(schema as z.ZodType, { unrepresentable: 'any' });
  } catch {
    return {};
  }
}
