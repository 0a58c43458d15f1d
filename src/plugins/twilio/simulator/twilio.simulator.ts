import { randomBytes } from 'node:crypto';
import type { RunningSimulator, SimulatorOptions } from '../../../core/plugin-sdk';
import { SimError, SimulatorServer, type RecordedCall, type SimRequest, type SimResponse } from '../../../core/plugin-sdk/simulator';
import type { TwilioAccount, TwilioError, TwilioMessage } from '../twilio.types';

export interface TwilioSimulator extends RunningSimulator {
  /** every request answered, for conformance checks */
  readonly calls: readonly RecordedCall[];
  /** every message sent through the API, oldest first (also at POST /__sim/messages) */
  readonly messages: readonly TwilioMessage[];
  /** the sender number the simulator owns */
  readonly from: string;
}

const ACCOUNT_SID = 'AC5e1f2b0c3d4a49e8b7c6d5e4f3a2b1c0';
const AUTH_TOKEN = '9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const FROM = '+15005550006';
const E164 = /^\+[1-9]\d{6,14}$/;
const API = '/2010-04-01';

/** RFC 2822 in GMT, as Twilio writes every date. */
const rfc2822 = (d: Date) => d.toUTCString().replace('GMT', '+0000');

/**
 * A fake Twilio on loopback, as twilio_api_v2010.json describes it: Basic auth with the account SID
 * and auth token, form-encoded message creation with Twilio's validation errors and error bodies,
 * message lists and fetches, and Twilio's 429 when more than 100 requests arrive in a second.
 */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<TwilioSimulator> {
  const created = rfc2822(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)));
  const account: TwilioAccount & Record<string, unknown> = {
    sid: ACCOUNT_SID, owner_account_sid: ACCOUNT_SID, friendly_name: 'Plugboard Simulator', status: 'active', type: 'Full',
    date_created: created, date_updated: created, auth_token: null, uri: `${API}/Accounts/${ACCOUNT_SID}.json`,
    subresource_uris: { messages: `${API}/Accounts/${ACCOUNT_SID}/Messages.json` },
  };
  const messages: (TwilioMessage & Record<string, unknown>)[] = [];
  for (let i = 0; i < (opts.seed ?? 0); i++) messages.push(message({ To: `+1415555${String(1000 + i).slice(-4)}`, From: FROM, Body: `seeded message ${i + 1}` }));

  const server = new SimulatorServer({
    name: 'twilio',
    authenticate,
    rateLimit: { limit: 100, windowMs: 1000, headers: () => ({}), exceeded: () => ({ body: errorBody(429, 'Too Many Requests', 20429) }) },
    errorBody,
    recordLimit: 10_000,
  });

  /** The path's account must be the one the credentials name. */
  const own = (req: SimRequest) => {
    if (req.params.sid !== ACCOUNT_SID) throw new TwilioApiError(404, `The requested resource ${req.path} was not found`, 20404);
  };

  server
    .route('GET', `${API}/Accounts.json`, (req) => ({ body: { ...page(req, `${API}/Accounts.json`, 1), accounts: [account] } }))
    .route('GET', `${API}/Accounts/:sid.json`, twilio((req) => {
      own(req);
      return { body: account };
    }))
    .route('POST', `${API}/Accounts/:sid/Messages.json`, twilio((req) => {
      own(req);
      const f = (req.body ?? {}) as Record<string, string | undefined>;
      if (!f.To) throw new TwilioApiError(400, "A 'To' phone number is required.", 21604);
      if (!E164.test(f.To)) throw new TwilioApiError(400, `The 'To' number ${f.To} is not a valid phone number.`, 21211);
      if (!f.From && !f.MessagingServiceSid) throw new TwilioApiError(400, "A 'From' phone number is required.", 21603);
      if (f.From && f.From !== FROM) throw new TwilioApiError(400, `The From phone number ${f.From} is not a valid, SMS-capable inbound phone number or short code for your account.`, 21606);
      if (!f.Body) throw new TwilioApiError(400, 'Message body is required.', 21602);
      if (f.Body.length > 1600) throw new TwilioApiError(400, 'The concatenated message body exceeds the 1600 character limit.', 21617);
      const m = message(f);
      messages.push(m);
      return { status: 201, body: m };
    }))
    .route('GET', `${API}/Accounts/:sid/Messages.json`, twilio((req) => {
      own(req);
      const newest = [...messages].reverse().filter((m) => (!req.query.To || m.to === req.query.To) && (!req.query.From || m.from === req.query.From));
      const size = Math.min(1000, Math.max(1, Number(req.query.PageSize ?? 50)));
      return { body: { ...page(req, `${API}/Accounts/${ACCOUNT_SID}/Messages.json`, Math.min(size, newest.length)), messages: newest.slice(0, size) } };
    }))
    .route('GET', `${API}/Accounts/:sid/Messages/:msid.json`, twilio((req) => {
      own(req);
      const m = messages.find((x) => x.sid === req.params.msid);
      if (!m) throw new TwilioApiError(404, `The requested resource ${req.path} was not found`, 20404);
      return { body: m };
    }))
    .control('messages', () => ({ messages }));

  const url = await server.listen(opts.port);
  return {
    url,
    credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN },
    calls: server.calls,
    messages,
    from: FROM,
    close: () => server.close(),
  };

  function message(f: Record<string, string | undefined>): TwilioMessage & Record<string, unknown> {
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const now = rfc2822(new Date());
    const segments = Math.max(1, Math.ceil((f.Body ?? '').length / 160));
    return {
      sid, account_sid: ACCOUNT_SID, api_version: '2010-04-01', to: f.To ?? null, from: f.From ?? null,
      messaging_service_sid: f.MessagingServiceSid ?? null, body: f.Body ?? null, status: 'queued', direction: 'outbound-api',
      num_segments: String(segments), num_media: '0', price: null, price_unit: 'USD', error_code: null, error_message: null,
      date_created: now, date_updated: now, date_sent: null,
      uri: `${API}/Accounts/${ACCOUNT_SID}/Messages/${sid}.json`,
      subresource_uris: { media: `${API}/Accounts/${ACCOUNT_SID}/Messages/${sid}/Media.json` },
    };
  }
}

/** A Twilio error with its numeric code, answered with Twilio's full error body. */
class TwilioApiError extends SimError {
  constructor(status: number, message: string, readonly code: number) {
    super(status, message);
  }
}

function twilio(handler: (req: SimRequest) => SimResponse): (req: SimRequest) => SimResponse {
  return (req) => {
    try {
      return handler(req);
    } catch (e) {
      if (e instanceof TwilioApiError) return { status: e.status, body: errorBody(e.status, e.message, e.code) };
      throw e;
    }
  };
}

/** Twilio's paging envelope (one page: the simulator's lists are short). */
function page(req: SimRequest, path: string, count: number): Record<string, unknown> {
  const size = Number(req.query.PageSize ?? 50);
  return {
    page: 0, page_size: size, start: 0, end: Math.max(0, count - 1),
    uri: `${path}?PageSize=${size}&Page=0`, first_page_uri: `${path}?PageSize=${size}&Page=0`, next_page_uri: null, previous_page_uri: null,
  };
}

function errorBody(status: number, message: string, code?: number): TwilioError {
  const c = code ?? (status === 401 ? 20003 : status === 404 ? 20404 : status === 429 ? 20429 : status >= 500 ? 20500 : 20001);
  return { code: c, message, more_info: `https://www.twilio.com/docs/errors/${c}`, status };
}

function authenticate(req: SimRequest): SimResponse | null {
  const [scheme, value = ''] = (req.headers.authorization ?? '').trim().split(/\s+/, 2);
  const [user, password] = /^basic$/i.test(scheme) ? Buffer.from(value, 'base64').toString('utf8').split(':') : [];
  if (user === ACCOUNT_SID && password === AUTH_TOKEN) return null;
  return { status: 401, headers: { 'www-authenticate': 'Basic realm="Twilio API"' }, body: errorBody(401, 'Authenticate', 20003) };
}
