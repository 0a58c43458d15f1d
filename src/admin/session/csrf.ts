import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * CSRF tokens as HMACs (OWASP's "HMAC-based token"): a session's token is HMAC(key, session id), the
 * log-in form's is HMAC(key, a random pre-session cookie). Nothing is stored, a token cannot be
 * forged without the key, and one taken from another session does not fit this one.
 */
export class CsrfTokens {
  private readonly key: Buffer;

  /** the key is derived from the app's own secret, under a label of its own */
  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'plugboard-admin', 'csrf-token', 32));
  }

  issue(binding: string): string {
    return createHmac('sha256', this.key).update(binding).digest('base64url');
  }

  verify(binding: string, presented: unknown): boolean {
    if (typeof presented !== 'string' || presented.length === 0 || presented.length > 100) return false;
    const want = Buffer.from(this.issue(binding));
    const got = Buffer.from(presented);
    return want.length === got.length && timingSafeEqual(want, got);
  }
}
