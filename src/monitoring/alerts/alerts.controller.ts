import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../core/auth';
import { ValidationFailedException } from '../../core/http';
import { AlertEngine } from './alert-engine.service';
import { AlertRulesService, type EffectiveRule } from './alert-rules.service';
import { ALERT_TYPES, DEFAULT_RULES, type AlertType } from './alert-types';
import type { AlertDetailView, AlertView } from './alert-view';
import { AlertActionDto, AlertsQueryDto, ChangeAlertRuleDto } from './alerts.dto';

const uuid = new ParseUUIDPipe();

@ApiTags('alerts')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('api/v1/alerts')
export class AlertsController {
  constructor(private readonly engine: AlertEngine) {}

  @Get()
  @ApiOperation({ summary: 'Alerts (incidents), newest first, by status, type, severity or connection (cursor-paginated)' })
  list(@Query() q: AlertsQueryDto): Promise<{ data: AlertView[]; nextCursor: string | null }> {
    return this.engine.list({ status: q.status, type: q.type, severity: q.severity, connectionId: q.connectionId, cursor: q.cursor, limit: q.limit ?? 50 });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One alert with its timeline and notifications' })
  get(@Param('id', uuid) id: string): Promise<AlertDetailView> {
    return this.engine.get(id);
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @ApiOperation({ summary: 'Acknowledge an open alert: someone is on it (it still resolves itself when the condition clears)' })
  acknowledge(@Param('id', uuid) id: string, @Body() dto: AlertActionDto): Promise<AlertView> {
    return this.engine.acknowledge(id, dto.note);
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resolve an alert by hand; its channels hear it (a condition that persists opens a new one)' })
  resolve(@Param('id', uuid) id: string, @Body() dto: AlertActionDto): Promise<AlertView> {
    return this.engine.resolve(id, dto.note);
  }
}

@ApiTags('alerts')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('api/v1/alert-rules')
export class AlertRulesController {
  constructor(private readonly rules: AlertRulesService) {}

  @Get()
  @ApiOperation({ summary: 'Every alert type with the rule that applies to this tenant (the default, or its changes) and the parameters it takes' })
  async list(): Promise<{ data: (EffectiveRule & { parameters: (typeof DEFAULT_RULES)[AlertType]['params'] })[] }> {
    const all = await this.rules.all();
    return { data: ALERT_TYPES.map((t) => ({ ...all[t], parameters: DEFAULT_RULES[t].params })) };
  }

  @Put(':type')
  @Roles('owner', 'admin')
  @ApiParam({ name: 'type', enum: ALERT_TYPES })
  @ApiOperation({ summary: "Tune a rule: switch it off or on, change its severity or parameters" })
  change(@Param('type') type: string, @Body() dto: ChangeAlertRuleDto): Promise<EffectiveRule> {
    return this.rules.change(alertType(type), dto);
  }

  @Delete(':type')
  @Roles('owner', 'admin')
  @ApiParam({ name: 'type', enum: ALERT_TYPES })
  @ApiOperation({ summary: 'Back to the default rule' })
  reset(@Param('type') type: string): Promise<EffectiveRule> {
    return this.rules.reset(alertType(type));
  }
}

function alertType(t: string): AlertType {
  if (!(ALERT_TYPES as readonly string[]).includes(t)) throw new ValidationFailedException([{ field: 'type', message: `type must be one of ${ALERT_TYPES.join(', ')}` }]);
  return t as AlertType;
}
