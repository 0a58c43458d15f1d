export * from './sync-flows.module';
export { SyncFlowsController } from './sync-flows.controller';
export { SyncFlowsService } from './sync-flows.service';
export { SyncFlowApplier, type ApplyResult } from './sync-flow-applier.service';
export { SyncFlowsStore } from './sync-flows.store';
export { syncFlowsSchema } from './sync-flows.schema';
export * from './sync-flow.types';
