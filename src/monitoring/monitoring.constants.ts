/** The monitoring queue and its jobs. */
export const MONITORING_QUEUE = 'monitoring';
export const TICK_JOB = 'tick';
export const TENANT_TICK_JOB = 'tenant-tick';
export const ROLLUP_JOB = 'rollup';
export const NOTIFY_JOB = 'notify';

/** Events monitoring emits (workflows and outbound webhooks subscribe). */
export const ALERT_FIRED_EVENT = 'alert.fired';
export const ALERT_RESOLVED_EVENT = 'alert.resolved';
