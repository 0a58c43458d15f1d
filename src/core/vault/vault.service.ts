import { Inject, Injectable, Logger } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { DataSource, In, Not } from 'typeorm';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../config';
import { RequestContext, TenantDb } from '../tenancy';
import { VaultEntry } from './vault-entry.entity';

export type Secret = Record<string, string>;

interface KeyRing {
  currentId: string;
  keys: Map<string, Buffer>;
}

export function parseKeyRing(spec: string): KeyRing {
  const entries = spec.split(',').map((e) => {
    const [id, b64] = e.split(':');
    return [id, Buffer.from(b64, 'base64')] as const;
  });
  return { currentId: entries[0][0], keys: new Map(entries) };
}

/**
 * AES-256-GCM credential vault. The first key of VAULT_KEYS encrypts; the others still decrypt, so
 * keys rotate without downtime: add a new key in front, run `plugboard vault rotate`, drop the old one.
 * The tenant id and entry id are bound as associated data, so a ciphertext copied to another row
 * or tenant fails to decrypt.
 */
@Injectable()
export class VaultService {
  private readonly log = new Logger(VaultService.name);
  private readonly ring: KeyRing;

  constructor(
    @Inject(PLUGBOARD_CONFIG) config: PlugboardConfig,
    private readonly db: TenantDb,
    private readonly context: RequestContext,
    private readonly dataSource: DataSource,
  ) {
    this.ring = parseKeyRing(config.VAULT_KEYS);
  }

  get currentKeyId(): string {
    return this.ring.currentId;
  }

  /** Stores a secret for the current tenant; returns the entry id to keep beside the owning row. */
  async put(secret: Secret): Promise<string> {
    // The id is part of the associated data, so it is chosen before encrypting.
    const id = randomUUID();
    await this.db.repo(VaultEntry).insert({ id, ...this.seal(secret, this.aad(this.context.tenantId, id)) });
    return id;
  }

  async get(id: string): Promise<Secret> {
    const entry = await this.db.repo(VaultEntry).findOne({ id });
    if (!entry) throw new Error(`vault entry ${id} not found for this tenant`);
    return this.open(entry);
  }

  async replace(id: string, secret: Secret): Promise<void> {
    const sealed = this.seal(secret, this.aad(this.context.tenantId, id));
    const n = await this.db.repo(VaultEntry).update({ id }, sealed);
    if (n === 0) throw new Error(`vault entry ${id} not found for this tenant`);
  }

  async delete(id: string): Promise<void> {
    await this.db.repo(VaultEntry).delete({ id });
  }

  /**
   * Re-encrypts every entry not under the current key, across all tenants (an operator's command,
   * so it works below the tenant scope). An entry that fails authentication (tampered, or its key
   * is gone) is reported and left as it is rather than stopping the rotation of the others.
   */
  async rotateAll(batchSize = 500): Promise<{ moved: number; unreadable: string[] }> {
    let moved = 0;
    const unreadable: string[] = [];
    for (;;) {
      const batch = await this.dataSource.manager.find(VaultEntry, {
        where: { keyId: Not(this.ring.currentId), ...(unreadable.length ? { id: Not(In(unreadable)) } : {}) },
        take: batchSize,
      });
      if (batch.length === 0) return { moved, unreadable };
      await this.dataSource.transaction(async (m) => {
        for (const entry of batch) {
          let secret: Secret;
          try {
            secret = this.open(entry);
          } catch (e) {
            unreadable.push(entry.id);
            this.log.error(`vault entry ${entry.id} (tenant ${entry.tenantId}) cannot be decrypted: ${(e as Error).message}`);
            continue;
          }
          await m.update(VaultEntry, { id: entry.id, keyId: entry.keyId }, this.seal(secret, this.aad(entry.tenantId, entry.id)));
          moved++;
        }
      });
      this.log.log(`re-encrypted ${moved} vault entries to key ${this.ring.currentId}`);
    }
  }

  private aad(tenantId: string, id: string): Buffer {
    return Buffer.from(`${tenantId}:${id}`);
  }

  private seal(secret: Secret, aad: Buffer): Pick<VaultEntry, 'keyId' | 'iv' | 'tag' | 'ciphertext'> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.ring.keys.get(this.ring.currentId)!, iv);
    cipher.setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(secret), 'utf8'), cipher.final()]);
    return { keyId: this.ring.currentId, iv, tag: cipher.getAuthTag(), ciphertext };
  }

  private open(entry: VaultEntry): Secret {
    const key = this.ring.keys.get(entry.keyId);
    if (!key) throw new Error(`vault key ${entry.keyId} is not in VAULT_KEYS; add it back to decrypt`);
    const decipher = createDecipheriv('aes-256-gcm', key, entry.iv);
    decipher.setAAD(this.aad(entry.tenantId, entry.id));
    decipher.setAuthTag(entry.tag);
    return JSON.parse(Buffer.concat([decipher.update(entry.ciphertext), decipher.final()]).toString('utf8')) as Secret;
  }
}
