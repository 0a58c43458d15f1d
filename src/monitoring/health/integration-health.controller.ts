import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { IntegrationHealthService, type ConnectionHealthView, type HealthSummary, type HourlyPoint } from './integration-health.service';

@ApiTags('health')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('api/v1/health/integrations')
export class IntegrationHealthController {
  constructor(private readonly health: IntegrationHealthService) {}

  @Get()
  @ApiOperation({ summary: 'Every connection: status, last check, uptime over 24 h and 7 days, p50/p95 latency, error rate, circuit state, token expiry' })
  list(): Promise<{ data: ConnectionHealthView[]; summary: HealthSummary }> {
    return this.health.list();
  }

  @Get(':plugin')
  @ApiOperation({ summary: "One plugin's connections, with the plugin's figures per hour over the last 24 hours" })
  forPlugin(@Param('plugin') plugin: string): Promise<{ plugin: string; summary: HealthSummary; connections: ConnectionHealthView[]; hourly: HourlyPoint[] }> {
    return this.health.forPlugin(plugin);
  }
}
