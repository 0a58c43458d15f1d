import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import type { OAuth2Auth, PluginDefinition } from '../../core/plugin-sdk';
import { REDIS } from '../../core/redis';
import { TenantDb } from '../../core/tenancy';
import { VaultService, type Secret } from '../../core/vault';
import { Connection } from './connection.entity';
import { ConnectionStatusService } from './connection-status.service';
import { OAuthAppsService } from './oauth-apps.service';
import { requestToken, TokenEndpointError, type TokenSet } from './oauth-token.client';
import { rebaseOAuthUrl } from './oauth-urls';
import { RedisLock } from './refresh-lock';

/** The connection's authorization is gone for good; a person must connect it again. */
export class ConnectionNeedsReauthError extends Error {
  constructor(readonly connectionId: string, reason: string) {
    super(`connection ${connectionId} needs to be re-authorized: ${reason}`);
    this.name = 'ConnectionNeedsReauthError';
  }
}

const LOCK_TTL_MS = 30_000;
/** how many times a caller waits for another holder before giving up */
const MAX_ROUNDS = 5;

/** Credentials with a valid access token, and when that token expires (null: it does not say). */
export interface FreshToken {
  secret: Secret;
  expiresAt: Date | null;
}

export interface RefreshOptions {
  /** the access token a platform just refused with 401: refresh unless someone already replaced it */
  rejectedToken?: string;
}

/**
 * Keeps OAuth access tokens valid: refreshes ahead of expiry (OAUTH_REFRESH_MARGIN_SECONDS), one
 * refresh per connection at a time across every process (a Redis lock; the others wait and then
 * read what the holder stored), keeps the old refresh token when the platform sends none, and moves
 * the connection to needs_reauth when the token endpoint refuses for good.
 */
@Injectable()
export class TokenRefresher {
  private readonly log = new Logger(TokenRefresher.name);
  private readonly lock: RedisLock;
  private readonly marginMs: number;

  constructor(
    private readonly db: TenantDb,
    private readonly vault: VaultService,
    private readonly apps: OAuthAppsService,
    private readonly status: ConnectionStatusService,
    @Inject(REDIS) redis: Redis,
    @Inject(PLUGBOARD_CONFIG) config: PlugboardConfig,
  ) {
    this.lock = new RedisLock(redis);
    this.marginMs = config.OAUTH_REFRESH_MARGIN_SECONDS * 1000;
  }

  /** The connection's credentials with an access token that is valid for at least the margin, and when that token expires. */
  async fresh(connectionId: string, plugin: PluginDefinition, method: OAuth2Auth, opts: RefreshOptions = {}): Promise<FreshToken> {
    const key = `oauth-refresh:${connectionId}`;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const { connection, secret } = await this.read(connectionId);
      if (!this.stale(connection, secret, opts)) return { secret, expiresAt: connection.tokenExpiresAt };
      const release = await this.lock.tryAcquire(key, LOCK_TTL_MS);
      if (!release) {
        await this.lock.waitReleased(key, LOCK_TTL_MS);
        continue;
      }
      try {
        // another process may have refreshed between our read and the lock
        const current = await this.read(connectionId);
        if (!this.stale(current.connection, current.secret, opts)) return { secret: current.secret, expiresAt: current.connection.tokenExpiresAt };
        return await this.refresh(current.connection, current.secret, plugin, method);
      } finally {
        await release();
      }
    }
    throw new Error(`connection ${connectionId}: gave up waiting for another process to refresh its token`);
  }

  /** Whether a token that expires at `expiresAt` is within the refresh margin (null: it does not expire). */
  expiring(expiresAt: Date | null): boolean {
    return expiresAt !== null && expiresAt.getTime() - Date.now() <= this.marginMs;
  }

  private async read(connectionId: string): Promise<{ connection: Connection; secret: Secret }> {
    const connection = await this.db.repo(Connection).findOne({ id: connectionId });
    if (!connection) throw new Error(`connection ${connectionId} is gone`);
    if (connection.status === 'needs_reauth') throw new ConnectionNeedsReauthError(connectionId, connection.statusReason ?? 'refused earlier');
    return { connection, secret: await this.vault.get(connection.vaultEntryId) };
  }

  private stale(connection: Connection, secret: Secret, opts: RefreshOptions): boolean {
    if (!secret.accessToken) return true;
    if (opts.rejectedToken && opts.rejectedToken === secret.accessToken) return true;
    return this.expiring(connection.tokenExpiresAt);
  }

  private async refresh(connection: Connection, secret: Secret, plugin: PluginDefinition, method: OAuth2Auth): Promise<FreshToken> {
    const tokenUrl = rebaseOAuthUrl(method.tokenUrl, plugin, connection.baseUrl);
    let tokens: TokenSet;
    try {
      tokens = await this.callTokenEndpoint(connection, secret, plugin, method, tokenUrl);
    } catch (e) {
      if (e instanceof TokenEndpointError && e.permanent) {
        await this.status.transition(connection, 'needs_reauth', `token refresh refused: ${e.message}`);
        throw new ConnectionNeedsReauthError(connection.id, e.message);
      }
      // a 5xx or an outage: the connection is not broken, the next call tries again
      this.log.warn(`connection ${connection.id}: token refresh failed, will retry: ${(e as Error).message}`);
      throw e;
    }
    const next: Secret = { ...secret, accessToken: tokens.accessToken, ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}) };
    await this.vault.replace(connection.vaultEntryId, next);
    await this.db.repo(Connection).update({ id: connection.id }, { tokenExpiresAt: tokens.expiresAt });
    return { secret: next, expiresAt: tokens.expiresAt };
  }

  private async callTokenEndpoint(connection: Connection, secret: Secret, plugin: PluginDefinition, method: OAuth2Auth, tokenUrl: string): Promise<TokenSet> {
    if (method.grant === 'client_credentials') {
      return requestToken(tokenUrl, clientCredentialsParams(method), { clientId: secret.clientId, clientSecret: secret.clientSecret }, method.clientAuth);
    }
    if (!secret.refreshToken) throw new TokenEndpointError(true, 0, 'no refresh token was issued');
    const app = await this.apps.resolve(plugin.name);
    if (!app) throw new Error(`no OAuth app is configured for ${plugin.name}`);
    return requestToken(tokenUrl, { grant_type: 'refresh_token', refresh_token: secret.refreshToken }, app, method.clientAuth);
  }
}

export function clientCredentialsParams(method: OAuth2Auth): Record<string, string> {
  return { grant_type: 'client_credentials', ...(method.scopes.length ? { scope: method.scopes.join(' ') } : {}) };
}
