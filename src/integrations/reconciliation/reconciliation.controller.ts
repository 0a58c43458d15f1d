import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ListGroupsQueryDto, StartReconciliationDto } from './reconciliation.dto';
import { ReconciliationService, type GoldenView, type GroupView, type RunCounts } from './reconciliation.service';

@ApiTags('reconciliation')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('api/v1/reconciliation')
export class ReconciliationController {
  constructor(private readonly reconciliation: ReconciliationService) {}

  @Post('runs')
  @HttpCode(200)
  @ApiOperation({ summary: "Match a unified model's records across connections (email, phone, domain, external ids) and propose groups; synchronous, idempotent, respects decisions" })
  run(@Body() dto: StartReconciliationDto): Promise<RunCounts> {
    return this.reconciliation.run(dto.model);
  }

  @Get('groups')
  @ApiOperation({ summary: 'Record groups with their members and the keys that matched (cursor-paginated)' })
  list(@Query() q: ListGroupsQueryDto): Promise<{ data: GroupView[]; nextCursor: string | null }> {
    return this.reconciliation.list({ model: q.model, status: q.status, cursor: q.cursor, limit: q.limit ?? 50 });
  }

  @Get('groups/:id')
  @ApiOperation({ summary: 'One group, with the golden record: each unified field from the newest member that has it, with its source' })
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<GoldenView> {
    return this.reconciliation.get(id);
  }

  @Post('groups/:id/merge')
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept a proposed group as one entity (409 if it was kept apart)' })
  merge(@Param('id', new ParseUUIDPipe()) id: string): Promise<GoldenView> {
    return this.reconciliation.merge(id);
  }

  @Post('groups/:id/keep-apart')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record that these records are distinct: no pair of them is proposed again' })
  keepApart(@Param('id', new ParseUUIDPipe()) id: string): Promise<GoldenView> {
    return this.reconciliation.keepApart(id);
  }
}

/** Mounted by the API root. */
export const reconciliationControllers = [ReconciliationController];
