import { InboundWebhookController } from './inbound-webhook.controller';
import { ExecutionsController, WorkflowsController } from './workflows.controller';

export * from './workflows.module';
export * from './workflows-worker.module';
export { workflowsSchema } from './workflows.schema';
export { WorkflowsService, type WorkflowView } from './workflows.service';
export { ExecutionsService, type ExecutionView, type StepView } from './executions.service';
export { ExecutionRunner } from './engine/execution-runner';
export { TemplateEngine, TemplateError } from './engine/template-engine';
export { compilePlan, type WorkflowDefinition, type StepDefinition, type TriggerDefinition, PLATFORM_EVENTS } from './definition';
export { WORKFLOW_QUEUE } from './engine/execution-intake';
export { Workflow, WorkflowVersion, WorkflowExecution, WorkflowStepRun } from './workflow.entities';
export { WorkflowsController, ExecutionsController, InboundWebhookController };

/** Mounted by the API root. */
export const workflowControllers = [WorkflowsController, ExecutionsController, InboundWebhookController];
