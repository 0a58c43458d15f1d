export * from './admin.module';
export { adminSchema } from './admin.schema';
export { configureAdmin } from './admin-http';
