import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventBus } from '../../core/events';
import { ValidationFailedException } from '../../core/http';
import { PluginRegistry } from '../../core/plugin-host';
import { UpstreamError, type AuthMethod, type ConnectionCheckResult, type OAuth2Auth, type PluginContext, type PluginDefinition, type UpstreamHttp } from '../../core/plugin-sdk';
import { RequestContext, TenantDb } from '../../core/tenancy';
import { resolveBaseUrl, UpstreamClientFactory } from '../../core/upstream';
import { VaultService, type Secret } from '../../core/vault';
import { Entitlements } from '../../billing';
import { ConnectionAccess, type OpenedConnection, type OpenOptions } from './connection-access';
import { ConnectionLifecycle, type LifecycleConnection } from './connection-lifecycle';
import { Connection, type ConnectionStatus, type ConnectionTransition } from './connection.entity';
import { isPausedByPlan } from './connection-plan-limit';
import { ConnectionStatusService } from './connection-status.service';
import { maskedCredentials, pickAuthMethod, validateCredentials } from './credentials';
import type { CreateConnectionDto, UpdateConnectionDto } from './connections.dto';
import { OAuthAppsService } from './oauth-apps.service';
import { requestToken, revokeToken, type TokenSet } from './oauth-token.client';
import { rebaseOAuthUrl } from './oauth-urls';
import { clientCredentialsParams, ConnectionNeedsReauthError, TokenRefresher, type FreshToken, type RefreshOptions } from './token-refresher.service';

export interface ConnectionView {
  id: string;
  plugin: string;
  name: string;
  authKind: string;
  status: ConnectionStatus;
  statusReason: string | null;
  statusChangedAt: Date;
  tokenExpiresAt: Date | null;
  settings: Record<string, string>;
  /** non-secret fields in full, secret ones masked; OAuth tokens never */
  credentials: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

export interface CheckOutcome {
  ok: boolean;
  account: string | null;
  detail: string | null;
  latencyMs: number;
}

export interface TransitionView {
  from: ConnectionStatus | null;
  to: ConnectionStatus;
  reason: string | null;
  at: Date;
}

export interface DeletedConnection {
  id: string;
  purge: boolean;
  /** revoked at the platform, not supported by it, or tried and failed (the deletion went on) */
  revocation: 'revoked' | 'not_supported' | 'failed';
}

/** A new connection as the OAuth callback hands it over: tokens already fetched. */
export interface OAuthConnectionInput {
  plugin: PluginDefinition;
  method: OAuth2Auth;
  name: string;
  tokens: TokenSet;
}

/**
 * Connections: created with credentials checked against the plugin's fields and stored in the vault,
 * listed with secrets masked, checked, rotated and disconnected. Also the ConnectionAccess the sync
 * engine and actions use: an opened connection's HTTP client is authenticated, refreshes OAuth tokens
 * ahead of expiry and once more on a 401.
 */
@Injectable()
export class ConnectionsService extends ConnectionAccess {
  private readonly log = new Logger(ConnectionsService.name);

  constructor(
    private readonly db: TenantDb,
    private readonly context: RequestContext,
    private readonly vault: VaultService,
    private readonly plugins: PluginRegistry,
    private readonly upstream: UpstreamClientFactory,
    private readonly status: ConnectionStatusService,
    private readonly refresher: TokenRefresher,
    private readonly apps: OAuthAppsService,
    private readonly events: EventBus,
    private readonly lifecycle: ConnectionLifecycle,
    private readonly entitlements: Entitlements,
  ) {
    super();
  }

  // --- the REST surface

  async create(dto: CreateConnectionDto): Promise<ConnectionView & { check: CheckOutcome }> {
    const plugin = this.plugins.get(dto.plugin);
    if (!plugin) throw new ValidationFailedException([{ field: 'plugin', message: `plugin ${dto.plugin} is not loaded (see GET /api/v1/plugins)` }]);
    const method = pickAuthMethod(plugin, dto.auth);
    const credentials = validateCredentials(method, dto.credentials);
    await this.assertNameFree(dto.name);
    // refused before any call to the platform; checked again under a lock when the row is written
    await this.assertPlanAllows(plugin.name);
    let tokenExpiresAt: Date | null = null;
    const secret: Secret = { ...credentials };
    if (method.kind === 'oauth2') {
      // the client-credentials grant: the token is fetched now, and again whenever it runs out
      const tokens = await requestToken(rebaseOAuthUrl(method.tokenUrl, plugin), clientCredentialsParams(method), { clientId: credentials.clientId, clientSecret: credentials.clientSecret }, method.clientAuth)
        .catch((e: Error) => {
          throw new ValidationFailedException([{ field: 'credentials.clientSecret', message: `the token endpoint refused these client credentials: ${e.message}` }]);
        });
      secret.accessToken = tokens.accessToken;
      tokenExpiresAt = tokens.expiresAt;
    }
    return this.entitlements.withinLimit('connections', () => this.insert(plugin, method, dto.name, secret, dto.settings ?? {}, tokenExpiresAt));
  }

  /** Creates the connection an OAuth authorization produced (called in the tenant's context by the callback). */
  async createFromOAuth(input: OAuthConnectionInput): Promise<ConnectionView & { check: CheckOutcome }> {
    await this.assertNameFree(input.name);
    await this.entitlements.assertPluginAllowed(input.plugin.name);
    const secret: Secret = { accessToken: input.tokens.accessToken, ...(input.tokens.refreshToken ? { refreshToken: input.tokens.refreshToken } : {}) };
    return this.entitlements.withinLimit('connections', () => this.insert(input.plugin, input.method, input.name, secret, {}, input.tokens.expiresAt));
  }

  async list(): Promise<ConnectionView[]> {
    const rows = await this.db.repo(Connection).find({}, { order: { createdAt: 'ASC' } });
    return Promise.all(rows.map((c) => this.view(c)));
  }

  async get(id: string): Promise<ConnectionView> {
    return this.view(await this.find(id));
  }

  async update(id: string, dto: UpdateConnectionDto): Promise<ConnectionView & { check?: CheckOutcome }> {
    const connection = await this.find(id);
    if (dto.name !== undefined && dto.name !== connection.name) await this.assertNameFree(dto.name);
    const patch: Partial<Pick<Connection, 'name' | 'settings'>> = {};
    if (dto.name !== undefined) patch.name = dto.name;
    if (dto.settings !== undefined) patch.settings = dto.settings;
    if (Object.keys(patch).length) await this.db.repo(Connection).update({ id }, patch);
    let check: CheckOutcome | undefined;
    if (dto.credentials !== undefined) {
      const { method } = this.methodOf(connection);
      const stored = await this.vault.get(connection.vaultEntryId);
      const merged = validateCredentials(method, dto.credentials, stored);
      await this.vault.replace(connection.vaultEntryId, merged);
      check = await this.test(id, 'credentials changed');
    }
    return { ...(await this.get(id)), ...(check ? { check } : {}) };
  }

  /**
   * Disconnects: revokes at the platform where it supports that (best effort), deletes the credentials,
   * and announces `connection.deleted` with `purge`, on which the sync engine keeps or deletes the records.
   */
  async remove(id: string, purge: boolean): Promise<DeletedConnection> {
    const connection = await this.find(id);
    await this.runHooks(connection, 'removing');
    const revocation = await this.revoke(connection);
    await this.db.repo(Connection).delete({ id });
    await this.vault.delete(connection.vaultEntryId);
    this.events.emit('connection.deleted', this.context.tenantId, { connectionId: id, plugin: connection.plugin, purge, revocation });
    return { id, purge, revocation };
  }

  /** Runs the plugin's connection check and moves the status to what it found. */
  async test(id: string, why = 'connection test'): Promise<CheckOutcome> {
    const connection = await this.find(id);
    let outcome: CheckOutcome & { status: ConnectionStatus };
    try {
      const opened = await this.build(connection);
      outcome = await runCheck(opened.plugin, opened.context);
    } catch (e) {
      outcome = { ok: false, account: null, detail: (e as Error).message, latencyMs: 0, status: e instanceof ConnectionNeedsReauthError ? 'needs_reauth' : 'degraded' };
    }
    const { status, ...result } = outcome;
    // a connection the plan paused stays paused: a passing check does not bring it back
    if (!isPausedByPlan(connection)) await this.status.transition(connection, status, `${why}: ${result.ok ? `ok${result.account ? ` (${result.account})` : ''}` : result.detail}`);
    return result;
  }

  async transitions(id: string): Promise<TransitionView[]> {
    await this.find(id);
    return (await this.status.history(id)).map((t: ConnectionTransition) => ({ from: t.fromStatus, to: t.toStatus, reason: t.reason, at: t.at }));
  }

  /** An operator's override of the platform's API root for one connection (null: back to env/manifest). Not on the tenant API. */
  async setBaseUrl(id: string, baseUrl: string | null): Promise<ConnectionView> {
    if (baseUrl !== null) {
      const u = new URL(baseUrl);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('the base URL must be http(s)');
    }
    await this.find(id);
    await this.db.repo(Connection).update({ id }, { baseUrl: baseUrl?.replace(/\/+$/, '') ?? null });
    return this.get(id);
  }

  // --- ConnectionAccess

  async open(connectionId: string, opts: OpenOptions = {}): Promise<OpenedConnection> {
    const connection = await this.find(connectionId);
    if (connection.status === 'disabled') throw new ConflictException(`connection ${connectionId} is disabled${connection.statusReason ? `: ${connection.statusReason}` : ''}`);
    if (connection.status === 'needs_reauth') throw new ConnectionNeedsReauthError(connectionId, connection.statusReason ?? 'refused earlier');
    return this.build(connection, opts);
  }

  private async build(connection: Connection, opts: OpenOptions = {}): Promise<OpenedConnection> {
    const { plugin, method } = this.methodOf(connection);
    // the tenant rides on the target, so the client's events (circuit changes) name it wherever the call is made
    const target = { plugin, connectionId: connection.id, tenantId: connection.tenantId, baseUrl: resolveBaseUrl(plugin, connection.baseUrl), auth: method, recorder: opts.recorder };
    const http: UpstreamHttp = method.kind === 'oauth2'
      ? this.refreshingHttp(connection.id, plugin, method, await this.refresher.fresh(connection.id, plugin, method), (credentials) => this.upstream.create({ ...target, credentials }))
      : this.upstream.create({ ...target, credentials: await this.vault.get(connection.vaultEntryId) });
    return { connectionId: connection.id, plugin, context: this.contextFor(connection.id, plugin, http, connection.settings) };
  }

  /**
   * An OAuth connection's client, which may live longer than its token (a long sync): a token
   * within the refresh margin is refreshed before the call that would use it (one refresh for all of
   * the client's concurrent callers, and one across processes through the refresher's lock). On a
   * 401 the token is refreshed (unless another caller already did) and the call tried once more.
   */
  private refreshingHttp(connectionId: string, plugin: PluginDefinition, method: OAuth2Auth, initial: FreshToken, make: (c: Secret) => UpstreamHttp): UpstreamHttp {
    let token = initial;
    let inner = make(token.secret);
    let renewing: Promise<void> | null = null;
    // the client belongs to the tenant that opened it, whichever context later calls through it
    const opener = this.context.store!;
    const renew = (opts: RefreshOptions = {}): Promise<void> => (renewing ??= this.context.run(opener, () => this.refresher.fresh(connectionId, plugin, method, opts))
      .then((t) => {
        token = t;
        inner = make(t.secret);
      })
      .finally(() => {
        renewing = null;
      }));
    const http: UpstreamHttp = {
      request: async (req) => {
        if (renewing || this.refresher.expiring(token.expiresAt)) await renew();
        const used = token.secret.accessToken;
        try {
          return await inner.request(req);
        } catch (e) {
          if (!(e instanceof UpstreamError) || e.status !== 401) throw e;
          await renew({ rejectedToken: used });
          // joined a renewal that found the token still good: ask again, naming the refused token
          if (token.secret.accessToken === used) await renew({ rejectedToken: used });
          return inner.request(req);
        }
      },
      get: async (path, query) => (await http.request({ path, query })).body as never,
    };
    return http;
  }

  private contextFor(connectionId: string, plugin: PluginDefinition, http: UpstreamHttp, settings: Record<string, string>): PluginContext {
    const log = new Logger(`plugin:${plugin.name}`);
    const line = (msg: string, data?: Record<string, unknown>) => (data ? `${msg} ${JSON.stringify(data)}` : msg);
    return {
      tenantId: this.context.tenantId, connectionId, http, settings,
      logger: { debug: (m, d) => log.debug(line(m, d)), info: (m, d) => log.log(line(m, d)), warn: (m, d) => log.warn(line(m, d)) },
    };
  }

  // --- internals

  private async insert(plugin: PluginDefinition, method: AuthMethod, name: string, secret: Secret, settings: Record<string, string>, tokenExpiresAt: Date | null): Promise<ConnectionView & { check: CheckOutcome }> {
    const id = randomUUID();
    const target = { plugin, connectionId: id, tenantId: this.context.tenantId, baseUrl: resolveBaseUrl(plugin), auth: method, credentials: secret };
    const { status, ...check } = await runCheck(plugin, this.contextFor(id, plugin, this.upstream.create(target), settings));
    const vaultEntryId = await this.vault.put(secret);
    try {
      await this.db.repo(Connection).insert({
        id, plugin: plugin.name, name, authKind: method.kind, vaultEntryId, settings, baseUrl: null, status,
        statusReason: check.ok ? null : check.detail, statusChangedAt: new Date(), tokenExpiresAt,
      });
    } catch (e) {
      await this.vault.delete(vaultEntryId);
      if ((e as { code?: string }).code === '23505') throw nameTaken(name);
      throw e;
    }
    await this.status.initial(id, status, `created: ${check.ok ? 'check passed' : check.detail}`);
    if (status === 'healthy') await this.runHooks(await this.find(id), 'created');
    return { ...(await this.get(id)), check };
  }

  /** Other areas' lifecycle hooks, each best effort: a platform refusing a subscription never fails the connection. */
  private async runHooks(connection: Connection, phase: 'created' | 'removing'): Promise<void> {
    const hooks = this.lifecycle.hooks.filter((h) => h[phase]);
    if (hooks.length === 0) return;
    try {
      const stored = await this.vault.get(connection.vaultEntryId);
      const opened: LifecycleConnection = { ...(await this.build(connection)), credentialFields: Object.keys(stored) };
      for (const hook of hooks) {
        const added = await hook[phase]!(opened);
        if (added && Object.keys(added).length) await this.vault.replace(connection.vaultEntryId, { ...(await this.vault.get(connection.vaultEntryId)), ...added });
      }
    } catch (e) {
      this.log.warn(`connection ${connection.id}: ${phase} hook failed: ${(e as Error).message}`);
    }
  }

  private async revoke(connection: Connection): Promise<DeletedConnection['revocation']> {
    const { plugin, method } = this.methodOf(connection);
    if (method.kind !== 'oauth2' || !method.revokeUrl) return 'not_supported';
    try {
      const secret = await this.vault.get(connection.vaultEntryId);
      const [token, hint] = secret.refreshToken ? [secret.refreshToken, 'refresh_token' as const] : [secret.accessToken, 'access_token' as const];
      const app = method.grant === 'client_credentials' ? { clientId: secret.clientId, clientSecret: secret.clientSecret } : await this.apps.resolve(plugin.name);
      await revokeToken(method, rebaseOAuthUrl(method.revokeUrl, plugin, connection.baseUrl), token, hint, app);
      return 'revoked';
    } catch (e) {
      this.log.warn(`connection ${connection.id}: revocation at ${plugin.name} failed, deleting anyway: ${(e as Error).message}`);
      return 'failed';
    }
  }

  private async find(id: string): Promise<Connection> {
    const c = await this.db.repo(Connection).findOne({ id });
    if (!c) throw new NotFoundException(`no connection ${id}`);
    return c;
  }

  /** The plan must have room for another connection, and include custom plugins if this is one (402 otherwise). */
  async assertPlanAllows(pluginName: string): Promise<void> {
    await this.entitlements.assertPluginAllowed(pluginName);
    await this.entitlements.assertCanAdd('connections');
  }

  private async assertNameFree(name: string): Promise<void> {
    if (await this.db.repo(Connection).count({ name })) throw nameTaken(name);
  }

  private methodOf(connection: Connection): { plugin: PluginDefinition; method: AuthMethod } {
    const plugin = this.plugins.get(connection.plugin);
    if (!plugin) throw new ConflictException(`plugin ${connection.plugin} of connection ${connection.id} is not loaded`);
    const method = plugin.auth.find((m) => m.kind === connection.authKind);
    if (!method) throw new ConflictException(`plugin ${connection.plugin} no longer offers ${connection.authKind} auth`);
    return { plugin, method };
  }

  private async view(c: Connection): Promise<ConnectionView> {
    const method = this.plugins.get(c.plugin)?.auth.find((m) => m.kind === c.authKind);
    return {
      id: c.id, plugin: c.plugin, name: c.name, authKind: c.authKind, status: c.status, statusReason: c.statusReason,
      statusChangedAt: c.statusChangedAt, tokenExpiresAt: c.tokenExpiresAt, settings: c.settings,
      credentials: maskedCredentials(method, await this.vault.get(c.vaultEntryId)), createdAt: c.createdAt, updatedAt: c.updatedAt,
    };
  }
}

function nameTaken(name: string): ConflictException {
  return new ConflictException({ message: `a connection named "${name}" exists already`, errors: [{ field: 'name', message: 'must be unique within the tenant' }] });
}

/**
 * The plugin's check, timed. A refusal of the credentials means a person must fix them
 * (needs_reauth); a check that could not run (outage, open circuit) leaves the connection degraded.
 */
async function runCheck(plugin: PluginDefinition, ctx: PluginContext): Promise<CheckOutcome & { status: ConnectionStatus }> {
  const started = performance.now();
  let result: ConnectionCheckResult;
  try {
    result = await plugin.checkConnection(ctx);
  } catch (e) {
    const latencyMs = Math.round(performance.now() - started);
    const status = e instanceof ConnectionNeedsReauthError || (e instanceof UpstreamError && (e.status === 401 || e.status === 403)) ? 'needs_reauth' : 'degraded';
    return { ok: false, account: null, detail: (e as Error).message, latencyMs, status };
  }
  const latencyMs = Math.round(performance.now() - started);
  return { ok: result.ok, account: result.account ?? null, detail: result.detail ?? null, latencyMs, status: result.ok ? 'healthy' : 'needs_reauth' };
}
