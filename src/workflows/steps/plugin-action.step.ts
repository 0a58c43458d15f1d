import { Injectable } from '@nestjs/common';
import { PluginRegistry } from '../../core/plugin-host';
import { UpstreamError } from '../../core/plugin-sdk';
import type { RecordedRequest, UpstreamRecorder } from '../../core/upstream';
import { ConnectionAccess } from '../../integrations/connections';
import type { StepOf } from '../definition';
import { PermanentStepError, textField, type StepContext, type StepHandler } from './step-handler';

/** Test mode: collects what an action would have sent; every write is answered 200 with an empty object. */
class RequestLog implements UpstreamRecorder {
  readonly requests: RecordedRequest[] = [];
  record(request: RecordedRequest) {
    this.requests.push(request);
    return { status: 200, headers: { 'x-plugboard-test-mode': 'recorded' }, body: {} };
  }
}

function zodMessage(e: { issues: { path: PropertyKey[]; message: string }[] }): string {
  return e.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
}

/**
 * `plugin_action`: any action a loaded plugin declares, on one of the tenant's connections. The input
 * is checked against the action's input schema and the result against its output schema, so malformed
 * data fails the step with the field that was wrong. In test mode write actions run with a recording client.
 */
@Injectable()
export class PluginActionStep implements StepHandler<StepOf<'plugin_action'>> {
  readonly type = 'plugin_action' as const;

  constructor(private readonly plugins: PluginRegistry, private readonly access: ConnectionAccess) {}

  input(step: StepOf<'plugin_action'>, render: (v: unknown) => unknown): Record<string, unknown> {
    return { connectionId: render(step.connectionId), input: render(step.input) };
  }

  async run(input: Record<string, unknown>, step: StepOf<'plugin_action'>, ctx: StepContext): Promise<unknown> {
    const [pluginName, actionName] = step.action.split('.');
    const plugin = this.plugins.get(pluginName);
    if (!plugin) throw new PermanentStepError(`plugin ${pluginName} is not loaded`);
    const action = Object.hasOwn(plugin.actions, actionName) ? plugin.actions[actionName] : undefined;
    if (!action) throw new PermanentStepError(`plugin ${pluginName} has no action ${actionName} (it has ${Object.keys(plugin.actions).join(', ') || 'none'})`);
    const parsed = action.input.safeParse(input.input);
    if (!parsed.success) throw new PermanentStepError(`input does not fit ${step.action}: ${zodMessage(parsed.error)}`);
    const log = ctx.test && action.kind !== 'read' ? new RequestLog() : undefined;
    const opened = await this.access.open(textField(input, 'connectionId'), { recorder: log });
    if (opened.plugin.name !== pluginName) throw new PermanentStepError(`connection ${opened.connectionId} is a ${opened.plugin.name} connection, not ${pluginName}`);
    let result: unknown;
    try {
      result = await action.run(opened.context, parsed.data);
    } catch (e) {
      // the recorded answer is empty: an action reading fields of it may stumble after its request was recorded
      if (log?.requests.length) return { testMode: true, sent: false, requests: log.requests, output: null, note: `the action stopped on the recorded answer: ${(e as Error).message}` };
      if (e instanceof UpstreamError && e.status >= 400 && e.status < 500 && e.status !== 408 && e.status !== 429) {
        throw new PermanentStepError(`${step.action}: ${e.message}${e.body ? `: ${JSON.stringify(e.body).slice(0, 300)}` : ''}`);
      }
      throw e;
    }
    if (log) return { testMode: true, sent: false, requests: log.requests, output: result ?? null };
    const out = action.output.safeParse(result);
    if (!out.success) throw new PermanentStepError(`${step.action} returned data that does not match its output schema: ${zodMessage(out.error)}`);
    return out.data;
  }
}
