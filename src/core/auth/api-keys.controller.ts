import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Roles } from './auth.decorators';
import { CreateApiKeyDto } from './auth.dto';
import { ApiKeysService, type ApiKeyView, type CreatedApiKey } from './api-keys.service';

@ApiTags('api-keys')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Roles('owner', 'admin')
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key; the secret is in this response only' })
  create(@Body() dto: CreateApiKeyDto): Promise<CreatedApiKey> {
    return this.keys.create(dto);
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (prefix, scopes, last use; never the secret)' })
  async list(): Promise<{ data: ApiKeyView[] }> {
    return { data: await this.keys.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key' })
  revoke(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.keys.revoke(id);
  }

  @Post(':id/rotate')
  @ApiOperation({ summary: 'Replace an API key with a new secret; the old one stops working' })
  rotate(@Param('id', new ParseUUIDPipe()) id: string): Promise<CreatedApiKey> {
    return this.keys.rotate(id);
  }
}
