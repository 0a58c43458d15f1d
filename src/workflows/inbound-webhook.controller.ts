import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../core/auth';
import { InboundTrigger, type InboundResult } from './triggers/inbound.trigger';

/** A workflow's generic signed inbound URL: public, the token in the path is the credential. */
@ApiTags('workflows')
@Controller('hooks/workflows')
export class InboundWebhookController {
  constructor(private readonly inbound: InboundTrigger) {}

  @Public()
  @Post(':token')
  @HttpCode(202)
  @ApiOperation({ summary: "Start a workflow from any system: the JSON body is the trigger's `body`; Idempotency-Key (or webhook-id) makes a redelivery start nothing" })
  receive(
    @Param('token') token: string,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey?: string,
    @Headers('webhook-id') webhookId?: string,
  ): Promise<InboundResult> {
    return this.inbound.receive(token, body, idempotencyKey ?? webhookId);
  }
}
