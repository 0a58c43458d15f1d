import { Body, Controller, Delete, Get, Headers, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ExecutionsService, type ExecutionView } from './executions.service';
import { DEFINITION_SCHEMA, ExecutionsQueryDto } from './workflows.dto';
import { WorkflowsService, type WorkflowView } from './workflows.service';

const uuid = () => new ParseUUIDPipe();

@ApiTags('workflows')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('api/v1')
export class WorkflowsController {
  constructor(private readonly workflows: WorkflowsService, private readonly executions: ExecutionsService) {}

  @Post('workflows')
  @ApiOperation({ summary: 'Create a workflow (inactive, version 1); errors name the step and field that is wrong' })
  @ApiBody({ schema: DEFINITION_SCHEMA })
  create(@Body() body: unknown): Promise<WorkflowView> {
    return this.workflows.create(body);
  }

  @Get('workflows')
  @ApiOperation({ summary: "The tenant's workflows, each with its current version's definition" })
  async list(): Promise<{ data: WorkflowView[] }> {
    return { data: await this.workflows.list() };
  }

  @Get('workflows/:id')
  @ApiOperation({ summary: 'A workflow: its current definition, version, whether it is active, when a schedule fires next' })
  get(@Param('id', uuid()) id: string): Promise<WorkflowView> {
    return this.workflows.get(id);
  }

  @Patch('workflows/:id')
  @ApiOperation({ summary: 'Edit: writes a new version (executions already started finish on theirs)' })
  @ApiBody({ schema: { type: 'object', description: 'any of name, description, trigger, steps, timeoutMs' } })
  update(@Param('id', uuid()) id: string, @Body() body: unknown): Promise<WorkflowView> {
    return this.workflows.update(id, body);
  }

  @Delete('workflows/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a workflow with its versions and executions' })
  remove(@Param('id', uuid()) id: string): Promise<void> {
    return this.workflows.remove(id);
  }

  @Get('workflows/:id/versions')
  @ApiOperation({ summary: "The workflow's versions, newest first" })
  async versions(@Param('id', uuid()) id: string): Promise<{ data: Awaited<ReturnType<WorkflowsService['versions']>> }> {
    return { data: await this.workflows.versions(id) };
  }

  @Post('workflows/:id/activate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start listening to the trigger (counts against the plan\'s active workflows)' })
  activate(@Param('id', uuid()) id: string): Promise<WorkflowView> {
    return this.workflows.activate(id);
  }

  @Post('workflows/:id/deactivate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop listening to the trigger; running executions finish' })
  deactivate(@Param('id', uuid()) id: string): Promise<WorkflowView> {
    return this.workflows.deactivate(id);
  }

  @Post('workflows/:id/inbound-token')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new signed inbound URL for a generic webhook trigger (the old one stops working); shown once' })
  inboundToken(@Param('id', uuid()) id: string): Promise<{ inboundUrl: string }> {
    return this.workflows.rotateInboundToken(id);
  }

  @Post('workflows/:id/run')
  @ApiOperation({ summary: 'Run an api (active) or manual workflow with { input }; a repeated Idempotency-Key answers 200 with the first execution' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiBody({ schema: { type: 'object', properties: { input: { type: 'object' } } } })
  async run(@Param('id', uuid()) id: string, @Body() body: unknown, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<ExecutionView> {
    const { created, execution } = await this.executions.run(id, body, key);
    void reply.status(created ? 202 : 200);
    return execution;
  }

  @Post('workflows/:id/test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run the current version now against a sample { trigger } payload: writes to platforms, e-mails, alerts and publications are recorded, not made' })
  @ApiBody({ schema: { type: 'object', properties: { trigger: { type: 'object' } } } })
  test(@Param('id', uuid()) id: string, @Body() body: unknown): Promise<ExecutionView> {
    return this.executions.test(id, body);
  }

  @Get('workflows/:id/executions')
  @ApiOperation({ summary: "The workflow's executions, newest first (cursor-paginated)" })
  executionsOf(@Param('id', uuid()) id: string, @Query() q: ExecutionsQueryDto): Promise<{ data: ExecutionView[]; nextCursor: string | null }> {
    return this.executions.list(id, { status: q.status, limit: q.limit ?? 50, cursor: q.cursor });
  }
}

@ApiTags('workflows')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('api/v1/executions')
export class ExecutionsController {
  constructor(private readonly executions: ExecutionsService) {}

  @Get(':id')
  @ApiOperation({ summary: 'An execution with its step log: each step\'s input and output (secrets masked), status, attempts, timing, error' })
  get(@Param('id', uuid()) id: string): Promise<ExecutionView> {
    return this.executions.get(id);
  }

  @Post(':id/retry')
  @HttpCode(202)
  @ApiOperation({ summary: 'Run a failed or cancelled execution again from its failed step (steps that succeeded are not repeated)' })
  retry(@Param('id', uuid()) id: string): Promise<ExecutionView> {
    return this.executions.retry(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel an open execution: the step in progress ends, nothing after it starts' })
  cancel(@Param('id', uuid()) id: string): Promise<ExecutionView> {
    return this.executions.cancel(id);
  }
}
