import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { TenantOwnedEntity } from '../tenancy';

/** One encrypted secret (a JSON object), AES-256-GCM under the key named by key_id. */
@Entity('vault_entries')
export class VaultEntry extends TenantOwnedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'key_id' })
  keyId: string;

  @Column('bytea')
  iv: Buffer;

  @Column('bytea')
  tag: Buffer;

  @Column('bytea')
  ciphertext: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
