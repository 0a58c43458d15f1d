import { emptyHistogram } from './latency-histogram';

/** The counters of one connection in one minute: what a series row holds, as a process accumulates it. */
export interface SeriesCounters {
  calls: number;
  errors: number;
  faults: number;
  errRateLimited: number;
  errAuth: number;
  errClient: number;
  errServer: number;
  errNetwork: number;
  errTimeout: number;
  rejectedCircuit: number;
  rejectedQuota: number;
  retries: number;
  latencySumMs: number;
  latencyHist: number[];
  checks: number;
  checksFailed: number;
  recordsSynced: number;
  syncRuns: number;
  syncFailures: number;
  webhooksReceived: number;
  webhooksFailed: number;
  workflowRuns: number;
  workflowFailures: number;
}

export type CountName = Exclude<keyof SeriesCounters, 'latencyHist' | 'latencySumMs'>;

export interface SeriesCell extends SeriesCounters {
  tenantId: string;
  connectionId: string;
  plugin: string;
  /** epoch minutes */
  minute: number;
}

export function emptyCounters(): SeriesCounters {
  return {
    calls: 0, errors: 0, faults: 0, errRateLimited: 0, errAuth: 0, errClient: 0, errServer: 0, errNetwork: 0, errTimeout: 0,
    rejectedCircuit: 0, rejectedQuota: 0, retries: 0, latencySumMs: 0, latencyHist: emptyHistogram(), checks: 0, checksFailed: 0,
    recordsSynced: 0, syncRuns: 0, syncFailures: 0, webhooksReceived: 0, webhooksFailed: 0, workflowRuns: 0, workflowFailures: 0,
  };
}

/** The series columns in SQL (snake_case) for each counter, in one list so writes and reads agree. */
export const COUNT_COLUMNS: Readonly<Record<CountName, string>> = {
  calls: 'calls', errors: 'errors', faults: 'faults', errRateLimited: 'err_rate_limited', errAuth: 'err_auth', errClient: 'err_client',
  errServer: 'err_server', errNetwork: 'err_network', errTimeout: 'err_timeout', rejectedCircuit: 'rejected_circuit', rejectedQuota: 'rejected_quota',
  retries: 'retries', checks: 'checks', checksFailed: 'checks_failed', recordsSynced: 'records_synced', syncRuns: 'sync_runs',
  syncFailures: 'sync_failures', webhooksReceived: 'webhooks_received', webhooksFailed: 'webhooks_failed', workflowRuns: 'workflow_runs',
  workflowFailures: 'workflow_failures',
};
