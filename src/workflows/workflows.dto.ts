import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { LimitQueryDto } from '../core/http';
import { EXECUTION_STATUSES, type ExecutionStatus } from './workflow.entities';

export class ExecutionsQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ enum: EXECUTION_STATUSES })
  @IsOptional()
  @IsIn(EXECUTION_STATUSES)
  status?: ExecutionStatus;

  @ApiPropertyOptional({ description: 'the nextCursor of the previous page' })
  @IsOptional()
  @IsUUID()
  cursor?: string;
}

/** The shape of a definition, for the API document; the body is validated by the workflow validator, which names the step and field. */
export const DEFINITION_EXAMPLE = {
  name: 'Paid invoice to HubSpot',
  trigger: { type: 'webhook', event: 'stripe.invoice.paid', connectionId: '00000000-0000-0000-0000-000000000001' },
  steps: [
    { id: 'big', type: 'condition', if: 'trigger.data.amount_paid > 100000', then: ['deal'], else: [] },
    {
      id: 'deal', type: 'plugin_action', action: 'hubspot.update_deal', connectionId: '00000000-0000-0000-0000-000000000002',
      input: { dealId: '{{ trigger.data.metadata.deal_id }}', dealstage: 'closedwon' }, retry: { attempts: 3, backoffMs: 1000 },
    },
  ],
  timeoutMs: 60_000,
};

export const DEFINITION_SCHEMA = {
  type: 'object',
  required: ['name', 'trigger', 'steps'],
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    trigger: { type: 'object', description: 'type: webhook (event, connectionId?, filter?; no event: a generic signed URL) | schedule (cron, timezone) | api | manual | event (event, filter?) | data_change (model, ops?, connectionId?, filter?)' },
    steps: { type: 'array', items: { type: 'object', description: 'id, type (http_request, plugin_action, sync, publish, send_email, notify, condition, loop, delay, transform), its fields, retry?, timeoutMs?, onError?' } },
    timeoutMs: { type: 'integer' },
  },
  example: DEFINITION_EXAMPLE,
};
