import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { signedContentParts, type WebhookScheme } from './webhook-scheme';

/** A delivery as the platform sent it. */
export interface WebhookRequest {
  method: string;
  /** the public URL the platform posted to (what it signed), not the address behind a proxy */
  url: string;
  /** header names in lower case */
  headers: Readonly<Record<string, string | undefined>>;
  body: Buffer;
}

export type WebhookRejection = 'missing_signature' | 'missing_timestamp' | 'missing_id' | 'bad_signature' | 'stale_timestamp';

export type WebhookVerification =
  | { ok: true; id: string | null; timestamp: number | null }
  | { ok: false; reason: WebhookRejection };

/**
 * Checks a delivery against a scheme and the connection's secret: the signature over the raw body
 * (constant-time, any of the header's signatures may match), then the replay window.
 */
export function verifyWebhook(scheme: WebhookScheme, secret: string, req: WebhookRequest, now = Date.now()): WebhookVerification {
  const header = req.headers[scheme.signature.header.toLowerCase()];
  if (!header) return { ok: false, reason: 'missing_signature' };
  const timestamp = timestampOf(scheme, req.headers, header);
  if (scheme.timestamp && timestamp === null) return { ok: false, reason: 'missing_timestamp' };
  const id = scheme.idHeader ? (req.headers[scheme.idHeader.toLowerCase()] ?? null) : null;
  if (scheme.signedContent.includes('{id}') && !id) return { ok: false, reason: 'missing_id' };
  if (!bodyCovered(scheme, req)) return { ok: false, reason: 'bad_signature' };

  const expected = digest(scheme, secret, content(scheme, { ...req, id, timestamp }));
  const given = candidates(scheme, header).map((s) => (scheme.encoding === 'hex' ? s.toLowerCase() : s));
  if (!given.some((s) => constantTimeEqual(s, expected))) return { ok: false, reason: 'bad_signature' };

  if (scheme.timestamp && timestamp !== null) {
    const ms = Number(timestamp) * (scheme.timestamp.unit === 'seconds' ? 1000 : 1);
    if (Math.abs(now - ms) > scheme.timestamp.toleranceSeconds * 1000) return { ok: false, reason: 'stale_timestamp' };
  }
  return { ok: true, id, timestamp: timestamp === null ? null : Number(timestamp) };
}

export interface WebhookToSign {
  body: Buffer | string;
  method?: string;
  url?: string;
  id?: string;
  /** in the scheme's unit; now by default */
  timestamp?: number;
  contentType?: string;
}

/**
 * The headers a platform following `scheme` puts on a delivery. With several secrets (a rotation in
 * progress), formats that carry several signatures get one per secret.
 */
export function signWebhook(scheme: WebhookScheme, secrets: string | readonly string[], req: WebhookToSign): Record<string, string> {
  const keys = typeof secrets === 'string' ? [secrets] : secrets;
  const ts = scheme.timestamp ? String(req.timestamp ?? (scheme.timestamp.unit === 'seconds' ? Math.floor(Date.now() / 1000) : Date.now())) : null;
  const body = typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body;
  const headers = { ...(req.contentType ? { 'content-type': req.contentType } : {}) };
  const text = content(scheme, { method: req.method ?? 'POST', url: req.url ?? '', headers, body, id: req.id ?? null, timestamp: ts });
  const sigs = keys.map((k) => digest(scheme, k, text));
  const f = scheme.signature.format;
  const value = f.kind === 'plain'
    ? `${f.prefix ?? ''}${sigs[0]}`
    : f.kind === 'pairs'
      ? [...(ts !== null && scheme.timestamp?.pair ? [`${scheme.timestamp.pair}=${ts}`] : []), ...sigs.map((s) => `${f.key}=${s}`)].join(',')
      : sigs.map((s) => `${f.version},${s}`).join(' ');
  const out: Record<string, string> = { [scheme.signature.header.toLowerCase()]: value };
  if (ts !== null && scheme.timestamp?.header) out[scheme.timestamp.header.toLowerCase()] = ts;
  if (scheme.idHeader && req.id) out[scheme.idHeader.toLowerCase()] = req.id;
  return out;
}

/** Compares two strings in time that depends only on their length (which is not secret). */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function candidates(scheme: WebhookScheme, header: string): string[] {
  const f = scheme.signature.format;
  if (f.kind === 'plain') {
    const v = header.trim();
    if (!f.prefix) return [v];
    return v.startsWith(f.prefix) ? [v.slice(f.prefix.length)] : [];
  }
  if (f.kind === 'pairs') return pairs(header).filter(([k]) => k === f.key).map(([, v]) => v);
  return header.trim().split(/\s+/).map((e) => e.split(',')).filter(([v, s]) => v === f.version && s).map(([, s]) => s);
}

function pairs(header: string): [string, string][] {
  return header.split(',').map((p) => {
    const at = p.indexOf('=');
    return at < 0 ? [p.trim(), ''] : [p.slice(0, at).trim(), p.slice(at + 1).trim()];
  });
}

function timestampOf(scheme: WebhookScheme, headers: WebhookRequest['headers'], signatureHeader: string): string | null {
  const t = scheme.timestamp;
  if (!t) return null;
  const raw = t.header ? headers[t.header.toLowerCase()] : pairs(signatureHeader).find(([k]) => k === t.pair)?.[1];
  return raw && /^\d{1,16}$/.test(raw.trim()) ? raw.trim() : null;
}

function digest(scheme: WebhookScheme, secret: string, text: Buffer): string {
  const s = scheme.secret;
  const key = s?.encoding === 'base64'
    ? Buffer.from(s.stripPrefix && secret.startsWith(s.stripPrefix) ? secret.slice(s.stripPrefix.length) : secret, 'base64')
    : Buffer.from(secret, 'utf8');
  return createHmac(scheme.algorithm, key).update(text).digest(scheme.encoding);
}

function content(scheme: WebhookScheme, r: { method: string; url: string; headers: WebhookRequest['headers']; body: Buffer; id: string | null; timestamp: string | null }): Buffer {
  return Buffer.concat(signedContentParts(scheme.signedContent).map((p) => {
    if (typeof p === 'object') return Buffer.from(p.literal, 'utf8');
    switch (p) {
      case 'body': return r.body;
      case 'timestamp': return Buffer.from(r.timestamp ?? '', 'utf8');
      case 'id': return Buffer.from(r.id ?? '', 'utf8');
      case 'method': return Buffer.from(r.method.toUpperCase(), 'utf8');
      case 'url': return Buffer.from(decodeChars(r.url, scheme.urlDecode ?? ''), 'utf8');
      case 'params': return Buffer.from(isForm(r.headers) ? sortedParams(r.body) : '', 'utf8');
    }
  }));
}

/** With a body-hash parameter, a body that is not a form is covered only when the URL names its hash. */
function bodyCovered(scheme: WebhookScheme, req: WebhookRequest): boolean {
  if (!scheme.bodyHashParam) return true;
  const named = new URL(req.url, 'http://placeholder').searchParams.get(scheme.bodyHashParam);
  if (named === null) return isForm(req.headers) || req.body.length === 0;
  return constantTimeEqual(named.toLowerCase(), createHash('sha256').update(req.body).digest('hex'));
}

function isForm(headers: WebhookRequest['headers']): boolean {
  return (headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

function sortedParams(body: Buffer): string {
  const byName = new Map<string, Set<string>>();
  for (const [k, v] of new URLSearchParams(body.toString('utf8'))) {
    if (!byName.has(k)) byName.set(k, new Set());
    byName.get(k)!.add(v);
  }
  return [...byName.keys()].sort().map((k) => [...byName.get(k)!].sort().map((v) => k + v).join('')).join('');
}

function decodeChars(url: string, chars: string): string {
  if (!chars) return url;
  return url.replace(/%([0-9a-fA-F]{2})/g, (m, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return chars.includes(c) ? c : m;
  });
}
