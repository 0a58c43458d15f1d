import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Public, Roles } from '../../core/auth';
import { ConnectionsService, type CheckOutcome, type ConnectionView, type DeletedConnection, type TransitionView } from './connections.service';
import { CreateConnectionDto, DeleteConnectionQuery, OAuthAppDto, OAuthStartQuery, UpdateConnectionDto } from './connections.dto';
import { OAuthAppsService } from './oauth-apps.service';
import { OAuthFlowService, type OAuthStart } from './oauth-flow.service';

const uuid = new ParseUUIDPipe();

/** Members read; owners and admins create, change and delete. */
@ApiTags('connections')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('api/v1/connections')
export class ConnectionsController {
  constructor(private readonly connections: ConnectionsService, private readonly oauth: OAuthFlowService, private readonly apps: OAuthAppsService) {}

  @Post()
  @Roles('owner', 'admin')
  @ApiOperation({ summary: "Connect a platform with the credentials its auth method describes; the plugin's check sets the status" })
  create(@Body() dto: CreateConnectionDto): Promise<ConnectionView & { check: CheckOutcome }> {
    return this.connections.create(dto);
  }

  @Get()
  @ApiOperation({ summary: 'List connections (secret credentials masked, tokens never shown)' })
  async list(): Promise<{ data: ConnectionView[] }> {
    return { data: await this.connections.list() };
  }

  @Get('oauth/:plugin/start')
  @Roles('owner', 'admin')
  @ApiOperation({ summary: "Start an OAuth authorization: send the user's browser to authorizeUrl; the state is single use for 10 minutes" })
  start(@Param('plugin') plugin: string, @Query() q: OAuthStartQuery): Promise<OAuthStart> {
    return this.oauth.start(plugin, q.name, q.redirectUri);
  }

  @Put('oauth/:plugin/app')
  @Roles('owner', 'admin')
  @ApiOperation({ summary: "Register this tenant's own OAuth app for a plugin (otherwise the platform-wide one is used)" })
  putApp(@Param('plugin') plugin: string, @Body() dto: OAuthAppDto): Promise<{ plugin: string; clientId: string }> {
    return this.apps.put(plugin, dto);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One connection (secret credentials masked)' })
  get(@Param('id', uuid) id: string): Promise<ConnectionView> {
    return this.connections.get(id);
  }

  @Patch(':id')
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Rename, replace settings, or rotate credentials (then the connection is checked again)' })
  update(@Param('id', uuid) id: string, @Body() dto: UpdateConnectionDto): Promise<ConnectionView & { check?: CheckOutcome }> {
    return this.connections.update(id, dto);
  }

  @Delete(':id')
  @Roles('owner', 'admin')
  @ApiOperation({ summary: 'Disconnect: revoke at the platform where supported, delete the credentials; purge=true also deletes the synced records' })
  remove(@Param('id', uuid) id: string, @Query() q: DeleteConnectionQuery): Promise<DeletedConnection> {
    return this.connections.remove(id, q.purge ?? false);
  }

  @Post(':id/test')
  @HttpCode(200)
  @Roles('owner', 'admin')
  @ApiOperation({ summary: "Run the plugin's connection check now; updates the status" })
  test(@Param('id', uuid) id: string): Promise<CheckOutcome> {
    return this.connections.test(id);
  }

  @Get(':id/transitions')
  @ApiOperation({ summary: "The connection's status changes, oldest first, with reasons" })
  async transitions(@Param('id', uuid) id: string): Promise<{ data: TransitionView[] }> {
    return { data: await this.connections.transitions(id) };
  }
}

/** Where platforms send the browser back after an authorization; the state, not a token, names the tenant. */
@ApiTags('connections')
@Controller('oauth')
export class OAuthCallbackController {
  constructor(private readonly oauth: OAuthFlowService) {}

  @Get('callback')
  @Public()
  @ApiOperation({ summary: 'OAuth redirect target: exchanges the code and answers the new connection as JSON (400 for an unknown, expired or reused state)' })
  @ApiQuery({ name: 'code', required: false })
  @ApiQuery({ name: 'state', required: true })
  @ApiQuery({ name: 'error', required: false })
  async callback(@Query() q: Record<string, unknown>): Promise<ConnectionView & { check: CheckOutcome }> {
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return this.oauth.callback({ code: str(q.code), state: str(q.state), error: str(q.error), error_description: str(q.error_description) });
  }
}
