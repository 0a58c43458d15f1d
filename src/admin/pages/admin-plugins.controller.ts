import { Get, NotFoundException, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { PluginRegistry } from '../../core/plugin-host';
import { PLUGIN_CATEGORIES } from '../../core/plugin-sdk';
import { AdminController, readQuery, searchText } from '../admin-controller.decorator';
import { AdminPages } from '../admin-pages.service';
import { scopeOf, type AdminRequest } from '../admin-scope';
import { ConnectionsQuery } from '../queries/connections.query';

/** The plugin catalog: what the registry discovered, searchable and filtered by category. */
@AdminController('admin/plugins')
export class AdminPluginsController {
  constructor(private readonly pages: AdminPages, private readonly registry: PluginRegistry, private readonly connections: ConnectionsQuery) {}

  @Get()
  async list(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Query() query: unknown): Promise<void> {
    const q = readQuery({ q: searchText, category: z.enum(PLUGIN_CATEGORIES) }, query);
    const inUse = new Set(await this.connections.plugins(scopeOf(req.adminSession!)));
    const plugins = this.registry.catalog({ q: q.q, category: q.category }).map((p) => ({ ...p, inUse: inUse.has(p.name) }));
    const categories = [...new Set(this.registry.list().map((p) => p.category))].sort();
    await this.pages.page(req, reply, 'plugins', {
      title: 'Plugins', section: 'plugins', q, plugins, categories, refused: this.registry.refused, disabled: this.registry.disabled,
    });
  }

  @Get(':name')
  async detail(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('name') name: string): Promise<void> {
    const plugin = this.registry.entry(name);
    if (!plugin) throw new NotFoundException(`no plugin ${name}`);
    await this.pages.page(req, reply, 'plugin', {
      title: plugin.displayName, section: 'plugins', plugin,
      actions: plugin.actions.map((a) => ({ ...a, input: JSON.stringify(a.input, null, 2), output: JSON.stringify(a.output, null, 2) })),
    });
  }
}
