export * from './reconciliation.module';
export { reconciliationControllers, ReconciliationController } from './reconciliation.controller';
export { ReconciliationService, cluster, pairScore, type RunCounts, type GroupView, type GoldenView, type MatchKey, type CandidatePair } from './reconciliation.service';
export { RecordGroup, RecordGroupMember, GROUP_STATUSES, type GroupStatus } from './record-group.entity';
export { reconciliationSchema } from './reconciliation.schema';
