/**
 * How a platform signs the webhooks it sends, as data. A plugin declares its platform's recipe (which
 * headers, what text is signed, which HMAC and encoding, how old a delivery may be); the core computes
 * the HMAC, compares in constant time and enforces the replay window, once, for every plugin.
 */

export const WEBHOOK_ALGORITHMS = ['sha1', 'sha256', 'sha512'] as const;
export type WebhookAlgorithm = (typeof WEBHOOK_ALGORITHMS)[number];

/**
 * The parts a signed text is made of, written `{name}` in `signedContent`:
 * `{body}` the raw body bytes; `{timestamp}` and `{id}` as the delivery's headers carry them;
 * `{method}` the HTTP method; `{url}` the public URL the platform posted to (PUBLIC_URL + path + query);
 * `{params}` a form body's parameters sorted by name (values sorted, repeats dropped), each as name + value.
 */
export const SIGNED_PARTS = ['body', 'timestamp', 'id', 'method', 'url', 'params'] as const;
export type SignedPart = (typeof SIGNED_PARTS)[number];

/** Where the signatures are in their header. */
export type SignatureFormat =
  /** the whole value is one signature, after an optional prefix (`sha256=`, `v0=`) */
  | { kind: 'plain'; prefix?: string }
  /** comma-separated `key=value` pairs; every pair named `key` is a signature (`t=…,v1=…,v1=…`) */
  | { kind: 'pairs'; key: string }
  /** space-separated `version,signature` entries; those of `version` count (`v1,… v1,…`) */
  | { kind: 'versioned'; version: string };

export interface WebhookTimestamp {
  /** a header of its own, or else a pair of the signature header (`pairs` format) */
  header?: string;
  pair?: string;
  unit: 'seconds' | 'milliseconds';
  /** how far the timestamp may be from now, either way, before the delivery counts as a replay */
  toleranceSeconds: number;
}

export interface WebhookScheme {
  /** shown in the catalog */
  name: string;
  algorithm: WebhookAlgorithm;
  encoding: 'hex' | 'base64';
  /** the signed text: literal text and `{part}` placeholders, e.g. `v0:{timestamp}:{body}` */
  signedContent: string;
  signature: { header: string; format: SignatureFormat };
  /** the header naming the delivery (signed as `{id}`, and the dedupe key where events carry no id) */
  idHeader?: string;
  timestamp?: WebhookTimestamp;
  /** how the secret becomes the HMAC key: its UTF-8 bytes (default), or base64 after a prefix such as `whsec_` */
  secret?: { encoding: 'utf8' | 'base64'; stripPrefix?: string };
  /** characters whose percent-encodings are decoded in `{url}` before signing */
  urlDecode?: string;
  /** a query parameter of the URL that carries the hex SHA-256 of a non-form body (the body is then covered through `{url}`) */
  bodyHashParam?: string;
}

/** The text of a scheme's `signedContent`, split into literals and parts. */
export function signedContentParts(template: string): (SignedPart | { literal: string })[] {
  const out: (SignedPart | { literal: string })[] = [];
  const re = /\{([a-z]+)\}/g;
  let at = 0;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    if (m.index > at) out.push({ literal: template.slice(at, m.index) });
    if (!(SIGNED_PARTS as readonly string[]).includes(m[1])) throw new Error(`unknown part {${m[1]}} in signedContent "${template}"`);
    out.push(m[1] as SignedPart);
    at = m.index + m[0].length;
  }
  if (at < template.length) out.push({ literal: template.slice(at) });
  return out;
}
