export * from './vault.module';
export * from './vault.service';
export * from './vault-entry.entity';
