import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UpstreamError, type UpstreamRequest } from '../../core/plugin-sdk';
import { pluginTestContext, type PluginTestContext } from '../../core/plugin-sdk/testing';
import { OpenApiConformance } from '../../../test/support/openapi-conformance';
import plugin from './index';
import { startSimulator, type TwilioSimulator } from './simulator/twilio.simulator';

jest.setTimeout(60_000);

/**
 * twilio_api_v2010.json, patched at test time where it contradicts Twilio itself: the list
 * envelopes' `*_uri` fields are declared `format: uri` (absolute), but Twilio answers with paths
 * relative to api.twilio.com (as the document's own examples show).
 */
function loadPatchedSpec(): OpenApiConformance {
  const doc = JSON.parse(readFileSync(join(__dirname, 'spec', 'twilio_api_v2010.json'), 'utf8')) as { paths: Record<string, any> };
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item)) {
      const props = (op as { responses?: Record<string, any> })?.responses?.['200']?.content?.['application/json']?.schema?.properties;
      for (const [name, schema] of Object.entries<Record<string, unknown>>(props ?? {})) if (name.endsWith('uri')) delete schema.format;
    }
  }
  return new OpenApiConformance(doc);
}

/** Holds the simulator and the plugin to Twilio's published document: every request, and every success answer. */
describe('twilio conformance with twilio_api_v2010.json', () => {
  let spec: OpenApiConformance;
  let sim: TwilioSimulator;
  let ctx: PluginTestContext;

  beforeAll(async () => {
    spec = loadPatchedSpec();
    sim = await startSimulator({ seed: 3 });
    ctx = pluginTestContext({ plugin, baseUrl: sim.url, credentials: sim.credentials, settings: { from: sim.from } });
  });

  afterAll(async () => {
    await ctx.close();
    await sim.close();
  });

  const attempt = async (req: UpstreamRequest): Promise<number> => {
    try {
      return (await ctx.http.request(req)).status;
    } catch (e) {
      if (e instanceof UpstreamError) return e.status;
      throw e;
    }
  };

  it('every recorded request matches the spec, and every success answer too', async () => {
    await plugin.checkConnection(ctx);
    const sent = await plugin.actions.send_sms.run(ctx, { to: '+14155550123', body: 'conformance' });
    const withSetting = pluginTestContext({ plugin, baseUrl: sim.url, credentials: sim.credentials, settings: { accountSid: sim.credentials.accountSid, messagingServiceSid: 'MG0123456789abcdef0123456789abcdef' } });
    try {
      await plugin.checkConnection(withSetting);
      await plugin.actions.send_sms.run(withSetting, { to: '+14155550124', body: 'through a messaging service' });
    } finally {
      await withSetting.close();
    }
    const base = `/2010-04-01/Accounts/${sim.credentials.accountSid}`;
    await ctx.http.get(`${base}/Messages.json`, { PageSize: 2, To: '+14155550123' });
    await ctx.http.get(`${base}/Messages/${sent.sid}.json`);
    // Twilio's refusals: a missing To, a number that is not one, an unknown message
    expect(await attempt({ method: 'POST', path: `${base}/Messages.json`, form: { From: sim.from, Body: 'x' } })).toBe(400);
    expect(await attempt({ method: 'POST', path: `${base}/Messages.json`, form: { To: '12', From: sim.from, Body: 'x' } })).toBe(400);
    expect(await attempt({ path: `${base}/Messages/SM00000000000000000000000000000000.json` })).toBe(404);

    expect(new Set(sim.calls.map((c) => c.status))).toEqual(new Set([200, 201, 400, 404]));
    // error answers are not in the document: their requests are checked, and only the one sent without To breaks it
    const violations = sim.calls.flatMap((call) => (call.status < 300 ? spec.validateExchange(call) : spec.validateRequest(call)));
    expect(violations).toEqual([`POST ${base}/Messages.json request body: / must have required property 'To'`]);
  });

  it('catches a malformed answer and a malformed request, so the check above can fail', () => {
    const create = sim.calls.find((c) => c.method === 'POST' && c.status === 201)!;
    expect(spec.validateResponse({ ...create, response: { ...(create.response as object), status: 'teleported' } }).join('\n')).toMatch(/status/);
    expect(spec.validateRequest({ ...create, body: { ...create.body, To: undefined } }).join('\n')).toMatch(/To/);
    expect(spec.validateRequest({ ...create, headers: {} }).join('\n')).toMatch(/no credentials/);
  });
});
