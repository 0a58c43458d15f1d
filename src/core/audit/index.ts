export * from './audit.service';
export * from './audit-entry.entity';
export * from './audit.controller';
export * from './audit.module';
