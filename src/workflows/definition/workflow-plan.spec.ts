import { TemplateEngine } from '../engine/template-engine';
import { compilePlan } from './workflow-plan';

describe('workflow definitions', () => {
  const templates = new TemplateEngine();
  const errors = (d: unknown) => {
    const r = compilePlan(d, templates);
    return r.ok ? [] : r.errors;
  };

  it('compiles the issue\'s example: the condition owns its branches, so only it runs at the top', () => {
    const r = compilePlan({
      name: 'Paid invoice to HubSpot and Slack',
      trigger: { type: 'webhook', event: 'stripe.invoice.paid', connectionId: '00000000-0000-4000-8000-000000000001' },
      steps: [
        { id: 'big', type: 'condition', if: 'trigger.data.amount_paid > 100000', then: ['deal', 'tell'], else: [] },
        { id: 'deal', type: 'plugin_action', action: 'hubspot.update_deal', connectionId: 'c1', input: { dealId: '{{ trigger.data.metadata.deal_id }}', stage: 'closedwon' } },
        { id: 'tell', type: 'plugin_action', action: 'slack.post_message', connectionId: 'c2', input: { channel: '#sales', text: 'Paid: {{ trigger.data.customer_email }}' } },
      ],
    }, templates);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.plan.top).toEqual(['big']);
    expect(r.plan.definition.timeoutMs).toBe(3_600_000);
    expect(r.plan.definition.steps[1]).toMatchObject({ onError: 'fail' });
  });

  it('names the step and field of every mistake it can find at once', () => {
    expect(errors({
      name: 'x', trigger: { type: 'api' },
      steps: [
        { id: 'a', type: 'teleport' },
        { id: 'b', type: 'http_request', url: 'https://x.test/{{ trigger.id ' , method: 'FETCH' },
        { id: 'c', type: 'condition', if: 'a >' },
      ],
    })).toEqual([
      { field: 'steps[0].type', message: 'step "a": type must be one of http_request, plugin_action, sync, publish, send_email, notify, condition, loop, delay, transform' },
      { field: 'steps[1].method', message: expect.stringMatching(/^step "b": method: /) },
      { field: 'steps[2].if', message: expect.stringMatching(/^step "c": if: ">" is missing an operand/) },
    ]);
  });

  it('checks the graph: unknown, shared and cyclic references, loops inside loops, delays past the timeout', () => {
    const step = (id: string, extra: object = {}) => ({ id, type: 'transform', set: {}, ...extra });
    expect(errors({ name: 'x', trigger: { type: 'manual' }, steps: [{ id: 'c', type: 'condition', if: 'true', then: ['ghost'] }] }))
      .toEqual([{ field: 'steps[0]', message: 'step "c": names step "ghost", which does not exist' }]);
    expect(errors({ name: 'x', trigger: { type: 'manual' }, steps: [step('a'), step('a')] }))
      .toEqual([{ field: 'steps[1].id', message: 'step "a": id used twice (also steps[0])' }]);
    expect(errors({ name: 'x', trigger: { type: 'manual' }, steps: [{ id: 'c', type: 'condition', if: 'true', then: ['a'] }, { id: 'd', type: 'condition', if: 'true', then: ['a'] }, step('a')] }))
      .toEqual([{ field: 'steps[1]', message: 'step "d": step "a" already belongs to step "c" (a step runs in one place)' }]);
    expect(errors({ name: 'x', trigger: { type: 'manual' }, steps: [{ id: 'p', type: 'condition', if: 'true', then: ['q'] }, { id: 'q', type: 'condition', if: 'true', then: ['p'] }] }).map((e) => e.message))
      .toEqual(['step "p": never runs (its branches form a cycle)', 'step "q": never runs (its branches form a cycle)']);
    expect(errors({ name: 'x', trigger: { type: 'manual' }, steps: [{ id: 'l', type: 'loop', items: 'trigger.xs', steps: ['m'] }, { id: 'm', type: 'loop', items: 'item', steps: ['n'] }, step('n')] }))
      .toEqual([{ field: 'steps[1].type', message: 'step "m": a loop cannot run inside loop "l"' }]);
    expect(errors({ name: 'x', trigger: { type: 'manual' }, timeoutMs: 5000, steps: [{ id: 'w', type: 'delay', ms: 60_000 }] }))
      .toEqual([{ field: 'steps[0].ms', message: "step \"w\": waits longer than the workflow's timeoutMs (5000)" }]);
  });

  it('checks triggers: cron expression, time zone, filter', () => {
    expect(errors({ name: 'x', trigger: { type: 'schedule', cron: '0 9 * * 1-5', timezone: 'America/New_York' }, steps: [{ id: 'a', type: 'transform', set: {} }] })).toEqual([]);
    expect(errors({ name: 'x', trigger: { type: 'schedule', cron: '0 99 * * *' }, steps: [{ id: 'a', type: 'transform', set: {} }] }))
      .toEqual([{ field: 'trigger.cron', message: expect.stringMatching(/^trigger: invalid cron expression/) }]);
    expect(errors({ name: 'x', trigger: { type: 'schedule', cron: '0 9 * * *', timezone: 'Mars/Olympus' }, steps: [{ id: 'a', type: 'transform', set: {} }] }))
      .toEqual([{ field: 'trigger.timezone', message: 'trigger: unknown time zone "Mars/Olympus"' }]);
    expect(errors({ name: 'x', trigger: { type: 'data_change', model: 'contact', filter: 'trigger.record.email ==' }, steps: [{ id: 'a', type: 'transform', set: {} }] }))
      .toEqual([{ field: 'trigger.filter', message: expect.stringMatching(/^trigger: filter: "==" is missing an operand/) }]);
  });
});
