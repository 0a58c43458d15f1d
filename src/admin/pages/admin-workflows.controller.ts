import { Body, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { ExecutionsService, WorkflowsService } from '../../workflows';
import { AdminController, readQuery, searchText } from '../admin-controller.decorator';
import { AdminPages } from '../admin-pages.service';
import { isUuid, uuidOr404, type AdminRequest } from '../admin-scope';
import { TenantSections } from '../tenant-sections.service';

const EXECUTION_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] as const;
const TenantQuery = { tenant: z.string(), q: searchText, cursor: z.string().max(100) };

interface ActionBody {
  tenant?: string;
  payload?: string;
}

/** Workflows of a tenant: activation, a run or a test run with a payload, executions with their step log. */
@AdminController('admin/workflows')
export class AdminWorkflowsController {
  constructor(
    private readonly pages: AdminPages,
    private readonly sections: TenantSections,
    private readonly workflows: WorkflowsService,
    private readonly executions: ExecutionsService,
  ) {}

  @Get()
  async list(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Query() query: unknown): Promise<void> {
    const q = readQuery(TenantQuery, query);
    await this.sections.show(req, reply, q, { view: 'workflows', section: 'workflows', title: 'Workflows', path: '/admin/workflows' }, async () => ({
      workflows: await this.workflows.list(),
    }));
  }

  @Get('executions/:id')
  async execution(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query() query: unknown): Promise<void> {
    const q = readQuery(TenantQuery, query);
    await this.sections.show(req, reply, q, { view: 'workflow-execution', section: 'workflows', title: 'Workflow execution', path: `/admin/workflows/executions/${id}` }, async () => {
      const execution = await this.executions.get(uuidOr404(id, 'execution'));
      return { execution, workflow: await this.workflows.get(execution.workflowId) };
    });
  }

  @Get(':id')
  async detail(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Query() query: unknown): Promise<void> {
    const q = readQuery({ ...TenantQuery, status: z.enum(EXECUTION_STATUSES) }, query);
    await this.sections.show(req, reply, q, { view: 'workflow', section: 'workflows', title: 'Workflow', path: `/admin/workflows/${id}` }, async () => {
      const workflow = await this.workflows.get(uuidOr404(id, 'workflow'));
      const executions = await this.executions.list(workflow.id, { status: q.status, limit: 50, cursor: isUuid(q.cursor) ? q.cursor : undefined });
      return { workflow, executions, q, statuses: EXECUTION_STATUSES, definition: JSON.stringify({ trigger: workflow.trigger, steps: workflow.steps }, null, 2) };
    });
  }

  @Post(':id/activate')
  activate(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: ActionBody): Promise<void> {
    return this.action(req, reply, id, body, async (wid) => {
      const w = await this.workflows.activate(wid);
      return `Workflow ${w.name} is active.`;
    });
  }

  @Post(':id/deactivate')
  deactivate(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: ActionBody): Promise<void> {
    return this.action(req, reply, id, body, async (wid) => {
      const w = await this.workflows.deactivate(wid);
      return `Workflow ${w.name} is inactive.`;
    });
  }

  @Post(':id/run')
  run(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: ActionBody): Promise<void> {
    return this.action(req, reply, id, body, async (wid, payload) => {
      const { execution } = await this.executions.run(wid, { input: payload });
      return { text: `Execution ${execution.id.slice(0, 8)} ${execution.status}.`, to: execution.id };
    });
  }

  @Post(':id/test')
  test(@Req() req: AdminRequest, @Res() reply: FastifyReply, @Param('id') id: string, @Body() body: ActionBody): Promise<void> {
    return this.action(req, reply, id, body, async (wid, payload) => {
      const execution = await this.executions.test(wid, { trigger: payload });
      return { text: `Test run ${execution.status}: writes were recorded, not sent.`, to: execution.id };
    });
  }

  /** An action on a workflow in the chosen tenant; a run's outcome leads to its execution page. */
  private async action(req: AdminRequest, reply: FastifyReply, id: string, body: ActionBody, act: (workflowId: string, payload: unknown) => Promise<string | { text: string; to: string }>): Promise<void> {
    const tenantId = this.sections.chosenOr404(req, body?.tenant);
    const workflowId = uuidOr404(id, 'workflow');
    await this.pages.act(req, reply, `/admin/workflows/${workflowId}?tenant=${tenantId}`, async () => {
      let payload: unknown = {};
      try {
        if (body?.payload?.trim()) payload = JSON.parse(body.payload);
      } catch {
        return { flash: { kind: 'error', text: 'The payload is not valid JSON.' } };
      }
      const done = await this.sections.run(req, tenantId, () => act(workflowId, payload));
      return typeof done === 'string'
        ? { flash: { kind: 'ok', text: done } }
        : { flash: { kind: 'ok', text: done.text }, to: `/admin/workflows/executions/${done.to}?tenant=${tenantId}` };
    });
  }
}
