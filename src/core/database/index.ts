export * from './database.module';
export * from './data-source';
export * from './entities';
export * from './ensure-database';
