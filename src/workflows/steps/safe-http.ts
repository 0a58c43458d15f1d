import type { Agent } from 'undici';
import { AddressGuard } from '../../core/http';

/**
 * Outbound HTTP for workflow steps that take any URL: the core's SSRF guard checks every address a
 * host name resolves to at connect time (internal ranges refused unless an allowed network covers
 * them), no redirects are followed, and connect, header and body timeouts are set.
 */
export class SafeHttpAgent {
  readonly dispatcher: Agent;
  private readonly guard: AddressGuard;

  constructor(allowedNetworks: readonly string[], timeoutMs = 30_000) {
    this.guard = new AddressGuard(allowedNetworks);
    this.dispatcher = this.guard.agent(timeoutMs, { connections: 32, connectTimeoutMs: Math.min(timeoutMs, 10_000) });
  }

  /** Throws for a URL that is not http(s), carries credentials, or names an internal address literally. */
  check(url: URL): void {
    const problem = this.guard.urlProblem(url.href);
    if (problem) throw new Error(`url ${problem}`);
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }
}
