import { UpstreamError } from '../../core/plugin-sdk';
import { pluginTestContext, type PluginTestContext } from '../../core/plugin-sdk/testing';
import plugin from './index';
import { startSimulator, type TwilioSimulator } from './simulator/twilio.simulator';

describe('twilio plugin against its simulator', () => {
  let sim: TwilioSimulator;
  let ctx: PluginTestContext;

  beforeAll(async () => {
    sim = await startSimulator();
    ctx = pluginTestContext({ plugin, baseUrl: sim.url, credentials: sim.credentials, settings: { from: sim.from } });
  });

  afterAll(async () => {
    await ctx.close();
    await sim.close();
  });

  const faults = (body: unknown) => fetch(`${sim.url}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('sends an SMS from the connection’s number, and the platform has it', async () => {
    const sent = await plugin.actions.send_sms.run(ctx, { to: '+14155550100', body: 'connection_down: Stripe main is down' });
    expect(sent).toEqual({ sid: expect.stringMatching(/^SM[0-9a-f]{32}$/), status: 'queued', to: '+14155550100', from: sim.from, segments: 1 });
    expect(sim.messages.at(-1)).toMatchObject({ sid: sent.sid, to: '+14155550100', from: sim.from, body: 'connection_down: Stripe main is down' });
    const listed = (await (await fetch(`${sim.url}/__sim/messages`, { method: 'POST' })).json()) as { messages: { sid: string }[] };
    expect(listed.messages.map((m) => m.sid)).toContain(sent.sid);
  });

  it('refuses bad input before calling, and reports Twilio’s own refusal', async () => {
    expect(plugin.actions.send_sms.input.safeParse({ to: '555-0100', body: 'x' }).success).toBe(false);
    expect(plugin.actions.send_sms.input.safeParse({ to: '+14155550100', body: '' }).success).toBe(false);
    const before = sim.messages.length;
    const err = await plugin.actions.send_sms.run(ctx, { to: '+14155550100', body: 'x', from: '+19999999999' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).status).toBe(400);
    expect((err as UpstreamError).body).toMatchObject({ code: 21606 });
    const noSender = pluginTestContext({ plugin, baseUrl: sim.url, credentials: sim.credentials });
    try {
      await expect(plugin.actions.send_sms.run(noSender, { to: '+14155550100', body: 'x' })).rejects.toThrow(/no sender/);
    } finally {
      await noSender.close();
    }
    expect(sim.messages).toHaveLength(before);
  });

  it('checks the connection, and reports refused credentials as an answer', async () => {
    await expect(plugin.checkConnection(ctx)).resolves.toEqual({ ok: true, account: 'Plugboard Simulator' });
    const bad = pluginTestContext({ plugin, baseUrl: sim.url, credentials: { ...sim.credentials, authToken: 'wrong' } });
    try {
      await expect(plugin.checkConnection(bad)).resolves.toEqual({ ok: false, detail: 'Authenticate' });
    } finally {
      await bad.close();
    }
  });

  it('retries through a 500 and fails the check when the platform is down', async () => {
    await faults({ rate500: 1, times: 1 });
    await expect(plugin.checkConnection(ctx)).resolves.toMatchObject({ ok: true });
    const once = pluginTestContext({ plugin, baseUrl: sim.url, credentials: sim.credentials, policy: { maxAttempts: 1 } });
    try {
      await faults({ down: true });
      await expect(plugin.checkConnection(once)).rejects.toMatchObject({ status: 503 });
    } finally {
      await faults({});
      await once.close();
    }
  });
});
