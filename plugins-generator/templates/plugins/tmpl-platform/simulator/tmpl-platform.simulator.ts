import { randomBytes } from 'node:crypto';
import { signWebhook, type RunningSimulator, type SimulatorOptions } from '../../../core/plugin-sdk';
import { SimError, SimulatorServer, type SimRequest, type SimResponse } from '../../../core/plugin-sdk/simulator'; // @if auth!=oauth2
// @when auth=oauth2: import { OAuthServerSim, SimError, SimulatorServer, type SimRequest, type SimResponse } from '../../../core/plugin-sdk/simulator';
import type { TmplPlatformTmplItem } from '../tmpl-platform.types'; // @each entity
import { tmplPlatformSignature } from '../webhooks';
import { listPage } from './list-page.simulator';

export interface TmplPlatformSimulator extends RunningSimulator {
  /** what the fake holds, by entity, in the order it lists them */
  records: {
    tmpl_items: TmplPlatformTmplItem[]; // @each entity
  };
  /** the headers Tmpl Platform puts on a webhook delivery of `body` */
  sign(body: string): Record<string, string>;
}

const DEFAULT_SEED = 250;
const MAX_PAGE = 100;
const API_KEY = `tmpl-platform-sim-${randomBytes(12).toString('hex')}`; // @if auth=api_key
// @when auth=basic: const USERNAME = 'simulator';
// @when auth=basic: const PASSWORD = randomBytes(12).toString('hex');
const WEBHOOK_SECRET = randomBytes(24).toString('hex');
/** what creating one tmpl item needs */
const REQUIRED_TMPL_ITEM_FIELDS: readonly string[] = [
  'tmpl_field', // @each requiredField
];

/**
 * A fake Tmpl Platform on loopback, behaving as the generated plugin assumes the platform does: paged
 * lists of every entity, a create of tmpl items, credentials checked on every call, JSON errors. Make
 * it behave as the real API does (paths, paging, errors, limits) and the plugin's tests hold the
 * plugin to that.
 */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<TmplPlatformSimulator> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const records = {
    tmpl_items: Array.from({ length: seed }, (_, i) => sampleTmplItem(i)), // @each entity
  };
  let made = seed;
  const server = new SimulatorServer({ name: 'tmpl-platform', authenticate: (req) => authenticate(req), errorBody });
  // @when auth=oauth2
  // const oauth = new OAuthServerSim({ paths: { authorize: '/oauth/authorize', token: '/oauth/token' }, accessTokenTtlSeconds: 3600, refreshTokens: true, pkce: 'optional' }).install(server);
  // @end
  const authenticate = (req: SimRequest): SimResponse | null => {
    if (req.headers.authorization === `Bearer ${API_KEY}`) return null; // @if auth=api_key
    // @when auth=oauth2: if (oauth.isOAuthPath(req.path) || oauth.bearer(req) === 'valid') return null;
    // @when auth=basic: if (req.headers.authorization === `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`) return null;
    // @when auth=none: return null;
    return { status: 401, body: errorBody(401, 'missing or wrong credentials') }; // @if auth!=none
  };

  server.route('GET', '/tmpl-items', (req) => listPage(records.tmpl_items, { limit: pageLimit(req.query.tmpl_limit), position: req.query.tmpl_cursor, url: requestUrl(req) })); // @each entity @sub ['/tmpl-items'] listPath
  server.route('POST', '/tmpl-items', (req) => { // @sub ['/tmpl-items'] createPath
    const input = (typeof req.body === 'object' && req.body ? req.body : {}) as Record<string, unknown>;
    const missing = REQUIRED_TMPL_ITEM_FIELDS.filter((f) => input[f] === undefined || input[f] === '');
    if (missing.length) throw new SimError(400, `missing required fields: ${missing.join(', ')}`);
    const sample = sampleTmplItem(made++);
    const record = { ...sample, ...input } as TmplPlatformTmplItem; // @if body=json
    // @when body=form: const record = { ...sample, ...typedLike(sample, input) } as TmplPlatformTmplItem;
    records.tmpl_items.push(record);
    return { status: 201, body: record };
  });

  const url = await server.listen(opts.port);
  return {
    url,
    credentials: {
      apiKey: API_KEY, // @if auth=api_key
      // @when auth=oauth2: accessToken: oauth.issueAccessToken(),
      // @when auth=basic: username: USERNAME,
      // @when auth=basic: password: PASSWORD,
      webhookSecret: WEBHOOK_SECRET,
    },
    records,
    sign: (body) => signWebhook(tmplPlatformSignature, WEBHOOK_SECRET, { body }),
    close: () => server.close(),
  };
}

// @each entity
/** The i-th seeded record; its timestamps count from 2026-01-01 (unix 1_767_225_600). */
function sampleTmplItem(i: number): TmplPlatformTmplItem {
  return {
    tmpl_id: `tmpl_item_${i + 1}`, // @sub [`tmpl_item_${i + 1}`] idSample
    tmpl_field: `tmpl field ${i}`, // @each field @sub [`tmpl field ${i}`] sample
    tmpl_updated: new Date((1_767_225_600 + i * 60) * 1000).toISOString(), // @if updated @sub [new Date((1_767_225_600 + i * 60) * 1000).toISOString()] updatedSample
  };
}

// @end
function pageLimit(raw: unknown): number {
  const n = raw === undefined ? MAX_PAGE : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw new SimError(400, `tmpl_limit must be a whole number from 1 to ${MAX_PAGE}`);
  return n;
}

// @when body=form
// /** A form body's values are text: each takes the type its field has in a seeded record. */
// function typedLike(sample: object, input: Record<string, unknown>): Record<string, unknown> {
//   const types = Object.fromEntries(Object.entries(sample).map(([k, v]) => [k, typeof v]));
//   return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, types[k] === 'number' ? Number(v) : types[k] === 'boolean' ? v === true || v === 'true' : v]));
// }
//
// @end
function requestUrl(req: SimRequest): URL {
  return new URL(req.path, `http://${req.headers.host}`);
}

function errorBody(status: number, message: string): { error: { status: number; message: string } } {
  return { error: { status, message } };
}
