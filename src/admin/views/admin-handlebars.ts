import Handlebars from 'handlebars';
import { barChart, statusTimeline, type BarPoint } from './svg-charts';

type Options = Handlebars.HelperOptions;

const STATUS_TONES: Record<string, string> = {
  healthy: 'ok', succeeded: 'ok', resolved: 'ok', active: 'ok', closed: 'ok',
  degraded: 'warn', queued: 'info', running: 'info', half_open: 'warn', open: 'warn', suspended: 'warn', proposed: 'info',
  needs_reauth: 'bad', failed: 'bad', disabled: 'muted', cancelled: 'muted',
  processed: 'ok', sent: 'ok', paid: 'ok', trialing: 'info', pending: 'info', processing: 'info', sending: 'info', waiting: 'info', paused: 'warn',
  acknowledged: 'warn', past_due: 'bad', unpaid: 'bad', dead: 'bad', uncollectible: 'bad', canceled: 'muted', draft: 'muted', void: 'muted', suppressed: 'muted',
};

function ago(d: Date, now = Date.now()): string {
  const s = Math.round((now - d.getTime()) / 1000);
  const future = s < 0;
  const a = Math.abs(s);
  const text = a < 60 ? `${a} s` : a < 3600 ? `${Math.floor(a / 60)} min` : a < 86_400 ? `${Math.floor(a / 3600)} h` : `${Math.floor(a / 86_400)} d`;
  return future ? `in ${text}` : `${text} ago`;
}

const asDate = (v: unknown): Date | null => (v instanceof Date ? v : typeof v === 'string' || typeof v === 'number' ? new Date(v) : null);

/**
 * The panel's own Handlebars environment (not the shared global one) with its helpers. Every helper
 * returns plain text, which {{ }} escapes, except the chart helpers, whose SVG escapes its own texts.
 */
export function createAdminHandlebars(): typeof Handlebars {
  const hbs = Handlebars.create();
  hbs.registerHelper({
    eq: (a: unknown, b: unknown) => a === b,
    ne: (a: unknown, b: unknown) => a !== b,
    gt: (a: number, b: number) => a > b,
    or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
    and: (...args: unknown[]) => args.slice(0, -1).every(Boolean),
    not: (a: unknown) => !a,
    concat: (...args: unknown[]) => args.slice(0, -1).map((a) => String(a ?? '')).join(''),
    /** 12,345 */
    num: (n: unknown) => (typeof n === 'number' || typeof n === 'string' ? Number(n).toLocaleString('en-US') : '0'),
    /** 1234 cents, "usd" -> $12.34 */
    money: (cents: unknown, currency: unknown) =>
      typeof cents === 'number' ? (cents / 100).toLocaleString('en-US', { style: 'currency', currency: String(currency || 'usd').toUpperCase() }) : '',
    /** a plan limit: null is no limit */
    limitOf: (n: unknown) => (n === null || n === undefined ? 'unlimited' : Number(n).toLocaleString('en-US')),
    pct: (part: number, total: number) => (total > 0 ? `${((100 * part) / total).toFixed(1)}%` : '0%'),
    /** 2026-11-23 14:05:09 UTC */
    date: (v: unknown) => {
      const d = asDate(v);
      return d && !Number.isNaN(d.getTime()) ? `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC` : '';
    },
    iso: (v: unknown) => asDate(v)?.toISOString() ?? '',
    ago: (v: unknown) => {
      const d = asDate(v);
      return d ? ago(d) : 'never';
    },
    duration: (ms: unknown) => {
      if (typeof ms !== 'number') return '';
      return ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
    },
    json: (v: unknown) => JSON.stringify(v ?? null, null, 2),
    /** "HubSpot CRM" -> "HC": the tile's badge where a plugin has no logo */
    initials: (name: unknown) => String(name ?? '?').split(/[\s_-]+/).filter(Boolean).slice(0, 2).map((w) => w[0]!.toUpperCase()).join('') || '?',
    tone: (status: unknown) => STATUS_TONES[String(status)] ?? 'muted',
    words: (s: unknown) => String(s ?? '').replace(/_/g, ' '),
    /** only http(s) links reach an href */
    safeUrl: (u: unknown) => (typeof u === 'string' && /^https?:\/\//i.test(u) ? u : '#'),
    truncate: (s: unknown, n: number) => {
      const t = String(s ?? '');
      return t.length > n ? `${t.slice(0, n - 1)}…` : t;
    },
    /** a link to `path` with the given query parameters, the empty ones left out: {{link "/admin/x" page=2 q=q}} */
    link: (path: string, options: Options) => {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(options.hash as Record<string, unknown>)) if (v !== undefined && v !== null && v !== '' && v !== false) qs.set(k, String(v));
      const s = qs.toString();
      return s ? `${path}?${s}` : path;
    },
    bars: (points: BarPoint[], options: Options) => new hbs.SafeString(barChart(points ?? [], options.hash as { label: string; unit?: string })),
    timeline: (transitions: { toStatus: string; reason: string | null; at: Date }[], options: Options) =>
      new hbs.SafeString(statusTimeline(transitions ?? [], new Date(), options.hash as { label: string })),
  });
  return hbs;
}
