import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import type { StepOf } from '../definition';
import { PermanentStepError, textField, type StepContext, type StepHandler } from './step-handler';

const list = (v: unknown): string[] | undefined => (v === undefined || v === null ? undefined : (Array.isArray(v) ? v : [v]).map(String));

/** `send_email`: through the SMTP server of SMTP_URL, from WORKFLOW_EMAIL_FROM. Test mode records the message. */
@Injectable()
export class SendEmailStep implements StepHandler<StepOf<'send_email'>>, OnModuleDestroy {
  readonly type = 'send_email' as const;
  private transport?: Transporter;

  constructor(@Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig) {}

  onModuleDestroy(): void {
    this.transport?.close();
  }

  input(step: StepOf<'send_email'>, render: (v: unknown) => unknown): Record<string, unknown> {
    return {
      to: render(step.to), cc: render(step.cc), bcc: render(step.bcc), replyTo: render(step.replyTo),
      subject: render(step.subject), text: render(step.text), html: render(step.html),
    };
  }

  async run(input: Record<string, unknown>, _step: StepOf<'send_email'>, ctx: StepContext): Promise<unknown> {
    const message = {
      from: this.config.WORKFLOW_EMAIL_FROM, to: list(input.to), cc: list(input.cc), bcc: list(input.bcc),
      replyTo: input.replyTo ? String(input.replyTo) : undefined, subject: textField(input, 'subject'),
      text: input.text === undefined || input.text === null ? undefined : String(input.text),
      html: input.html === undefined || input.html === null ? undefined : String(input.html),
    };
    if (!message.to?.length) throw new PermanentStepError('to rendered to no address');
    if (ctx.test) return { testMode: true, sent: false, message };
    if (!this.config.SMTP_URL) throw new PermanentStepError('e-mail is not configured: set SMTP_URL');
    this.transport ??= createTransport({ url: this.config.SMTP_URL, pool: true, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 } as never);
    const info = await this.transport.sendMail(message);
    if (info.rejected?.length && !info.accepted?.length) throw new PermanentStepError(`the SMTP server refused every recipient: ${info.rejected.join(', ')}`);
    return { messageId: info.messageId, accepted: info.accepted, rejected: info.rejected };
  }
}
