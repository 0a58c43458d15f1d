import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import type { AuthKind } from '../../core/plugin-sdk';
import { TenantOwnedEntity } from '../../core/tenancy';

export const CONNECTION_STATUSES = ['healthy', 'degraded', 'needs_reauth', 'disabled'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/** A tenant's link to one platform account. Credentials (OAuth tokens too) live only in the vault. */
@Entity('connections')
@Unique('connections_tenant_id_name_key', ['tenantId', 'name'])
export class Connection extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  plugin: string;

  @Column('text')
  name: string;

  @Column('text', { name: 'auth_kind' })
  authKind: AuthKind;

  @Column('uuid', { name: 'vault_entry_id' })
  vaultEntryId: string;

  /** non-secret values the plugin reads (an account or portal id, a region) */
  @Column('jsonb', { default: {} })
  settings: Record<string, string>;

  /** an operator's override of the platform's API root (a sandbox, a regional host); never set through the tenant API */
  @Column('text', { name: 'base_url', nullable: true })
  baseUrl: string | null;

  @Column('text')
  status: ConnectionStatus;

  @Column('text', { name: 'status_reason', nullable: true })
  statusReason: string | null;

  @Column('timestamptz', { name: 'status_changed_at' })
  statusChangedAt: Date;

  /** when the OAuth access token expires; null for credentials that do not */
  @Column('timestamptz', { name: 'token_expires_at', nullable: true })
  tokenExpiresAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** One change of a connection's status, with its reason: the connection's history, listable. */
@Entity('connection_transitions')
export class ConnectionTransition extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index()
  @Column('uuid', { name: 'connection_id' })
  connectionId: string;

  /** null for the connection's first status */
  @Column('text', { name: 'from_status', nullable: true })
  fromStatus: ConnectionStatus | null;

  @Column('text', { name: 'to_status' })
  toStatus: ConnectionStatus;

  @Column('text', { nullable: true })
  reason: string | null;

  @Column('timestamptz', { default: () => 'now()' })
  at: Date;
}

/**
 * An OAuth authorization in flight: single use, expiring. Only the state's sha256 is kept, and the
 * PKCE verifier sits in the vault, so the table alone cannot complete a flow.
 */
@Entity('oauth_states')
export class OAuthState extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'state_hash', unique: true })
  stateHash: string;

  @Column('text')
  plugin: string;

  @Column('text', { name: 'connection_name' })
  connectionName: string;

  /** the vault entry holding the PKCE code verifier; null when the method does not use PKCE */
  @Column('uuid', { name: 'verifier_vault_entry_id', nullable: true })
  verifierVaultEntryId: string | null;

  @Column('text', { name: 'redirect_uri' })
  redirectUri: string;

  /** who started the flow, so the connection is created on their behalf */
  @Column('text', { name: 'started_by' })
  startedBy: string;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  @Column('timestamptz', { name: 'used_at', nullable: true })
  usedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** A tenant's own OAuth app for a plugin (client id here, secret in the vault); platform-wide apps come from the environment. */
@Entity('oauth_apps')
@Unique('oauth_apps_tenant_id_plugin_key', ['tenantId', 'plugin'])
export class OAuthApp extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  plugin: string;

  @Column('text', { name: 'client_id' })
  clientId: string;

  @Column('uuid', { name: 'secret_vault_entry_id' })
  secretVaultEntryId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

export const connectionEntities = [Connection, ConnectionTransition, OAuthState, OAuthApp];
