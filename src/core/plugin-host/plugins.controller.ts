import { Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CatalogQueryDto } from './catalog-query.dto';
import { PluginRegistry, type CatalogEntry } from './plugin-registry.service';

@ApiTags('plugins')
@Controller('api/v1/plugins')
export class PluginsController {
  constructor(private readonly registry: PluginRegistry) {}

  @Get()
  @ApiOperation({ summary: 'The plugin catalog: every loaded platform connector' })
  @ApiOkResponse({ description: '{ data: CatalogEntry[] }' })
  list(@Query() query: CatalogQueryDto): { data: CatalogEntry[] } {
    return { data: this.registry.catalog(query) };
  }

  @Get(':name')
  @ApiOperation({ summary: 'One plugin: auth fields, entities, actions with their schemas, webhook support' })
  get(@Param('name') name: string): CatalogEntry {
    const entry = this.registry.entry(name);
    if (!entry) throw new NotFoundException(`no plugin named "${name}" is loaded`);
    return entry;
  }
}
