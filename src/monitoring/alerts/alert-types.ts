/** What Plugboard alerts on; each type has a default rule that a tenant may tune (alert-rules). */
export const ALERT_TYPES = [
  'connection_down', 'auth_expired', 'high_error_rate', 'slow_response', 'circuit_open',
  'sync_failed', 'webhook_failures', 'rate_limit_exhausted', 'payment_failed', 'queue_backlog',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** A tunable number of a rule, with its bounds. */
interface ParamSpec {
  default: number;
  min: number;
  max: number;
  integer: boolean;
  description: string;
}

interface RuleSpec {
  severity: Severity;
  description: string;
  params: Record<string, ParamSpec>;
}

const int = (d: number, min: number, max: number, description: string): ParamSpec => ({ default: d, min, max, integer: true, description });

/** The default rule of every alert type: what fires it, what clears it, and its knobs. */
export const DEFAULT_RULES: Readonly<Record<AlertType, RuleSpec>> = {
  connection_down: {
    severity: 'critical',
    description: "the plugin's connection check failed this many times in a row; clears on the next passing check",
    params: { failures: int(2, 1, 20, 'consecutive failed checks') },
  },
  auth_expired: {
    severity: 'error',
    description: 'the platform refused the credentials, or an OAuth refresh token stopped working: someone must re-authorize; clears when a check passes',
    params: {},
  },
  high_error_rate: {
    severity: 'error',
    description: 'the share of failed calls to the platform over the window; clears when it falls below the threshold',
    params: { threshold: { default: 0.25, min: 0.01, max: 1, integer: false, description: 'share of calls (0..1)' }, windowMinutes: int(5, 1, 60, 'minutes looked at'), minCalls: int(20, 1, 100_000, 'fewer calls than this never alert') },
  },
  slow_response: {
    severity: 'warning',
    description: "the platform's 95th percentile latency over the window; clears when it is back under",
    params: { p95Ms: int(3000, 10, 120_000, 'milliseconds'), windowMinutes: int(5, 1, 60, 'minutes looked at'), minCalls: int(20, 1, 100_000, 'fewer calls than this never alert') },
  },
  circuit_open: {
    severity: 'error',
    description: "the upstream client's circuit breaker opened for the connection (calls fail fast); clears when it closes",
    params: {},
  },
  sync_failed: {
    severity: 'warning',
    description: "a sync run failed for good; clears when the connection's next sync completes",
    params: {},
  },
  webhook_failures: {
    severity: 'warning',
    description: 'inbound webhook events of the connection failed processing this often within the window',
    params: { failures: int(5, 1, 100_000, 'failed events'), windowMinutes: int(15, 1, 60, 'minutes looked at') },
  },
  rate_limit_exhausted: {
    severity: 'warning',
    description: "the connection's platform quota is used up (or the platform asked for a long pause), so work is paused; clears when calls go through again",
    params: { windowMinutes: int(10, 1, 60, 'minutes looked at') },
  },
  payment_failed: {
    severity: 'error',
    description: "a payment for the tenant's Plugboard plan failed",
    params: {},
  },
  queue_backlog: {
    severity: 'warning',
    description: "the tenant's jobs wait in a queue: more than maxWaiting of them, or the oldest for longer than maxAgeMinutes",
    params: { maxWaiting: int(500, 1, 1_000_000, 'waiting jobs'), maxAgeMinutes: int(15, 1, 1440, 'minutes the oldest job waited') },
  },
};

export type RuleParams = Record<string, number>;

export function defaultParams(type: AlertType): RuleParams {
  return Object.fromEntries(Object.entries(DEFAULT_RULES[type].params).map(([k, p]) => [k, p.default]));
}

/** Problems with a tenant's params for a rule, as field errors; [] when they are fine. */
export function paramProblems(type: AlertType, params: Record<string, unknown>): { field: string; message: string }[] {
  const specs = DEFAULT_RULES[type].params;
  const out: { field: string; message: string }[] = [];
  for (const [k, v] of Object.entries(params)) {
    const spec = specs[k];
    if (!spec) {
      out.push({ field: `params.${k}`, message: `${type} has no parameter ${k}${Object.keys(specs).length ? ` (it has ${Object.keys(specs).join(', ')})` : ''}` });
    } else if (typeof v !== 'number' || !Number.isFinite(v) || v < spec.min || v > spec.max || (spec.integer && !Number.isInteger(v))) {
      out.push({ field: `params.${k}`, message: `params.${k} must be ${spec.integer ? 'an integer' : 'a number'} from ${spec.min} to ${spec.max}` });
    }
  }
  return out;
}
