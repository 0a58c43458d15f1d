import { escapeExpression } from 'handlebars';

/**
 * Small charts drawn on the server as inline SVG: numbers become shapes, and every text in them
 * (titles, labels) is escaped here, since the markup reaches the page unescaped.
 */

export interface BarPoint {
  label: string;
  value: number;
  /** a second value drawn over the first (the failed part of all runs) */
  alert?: number;
}

const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(1));

/** Vertical bars, one per point, with a title per bar for the exact figure. */
export function barChart(points: readonly BarPoint[], opts: { label: string; width?: number; height?: number; unit?: string }): string {
  const w = opts.width ?? 240;
  const h = opts.height ?? 48;
  const max = Math.max(1, ...points.map((p) => p.value));
  const slot = points.length ? w / points.length : w;
  const bar = Math.max(1, slot - 1);
  const bars = points.map((p, i) => {
    const x = (i * slot).toFixed(1);
    const bh = p.value > 0 ? Math.max(1, (p.value / max) * h) : 0;
    const ah = p.alert ? Math.max(1, (p.alert / max) * h) : 0;
    const title = `<title>${escapeExpression(p.label)}: ${fmt(p.value)}${opts.unit ? ` ${escapeExpression(opts.unit)}` : ''}${p.alert ? ` (${fmt(p.alert)} failed)` : ''}</title>`;
    return `<g>${title}<rect class="bar" x="${x}" y="${(h - bh).toFixed(1)}" width="${bar.toFixed(1)}" height="${bh.toFixed(1)}"/>`
      + (ah ? `<rect class="bar-alert" x="${x}" y="${(h - ah).toFixed(1)}" width="${bar.toFixed(1)}" height="${ah.toFixed(1)}"/>` : '')
      + `<rect class="bar-hit" x="${x}" y="0" width="${bar.toFixed(1)}" height="${h}"/></g>`;
  });
  return `<svg class="chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" preserveAspectRatio="none" role="img" aria-label="${escapeExpression(opts.label)}">${bars.join('')}<line class="axis" x1="0" y1="${h - 0.5}" x2="${w}" y2="${h - 0.5}"/></svg>`;
}

export interface Segment {
  status: string;
  from: Date;
  to: Date;
  reason: string | null;
}

const STATUSES = new Set(['healthy', 'degraded', 'needs_reauth', 'disabled']);

/** A connection's status over time as coloured bands, from its transitions (the first one starts the history). */
export function statusTimeline(transitions: readonly { toStatus: string; reason: string | null; at: Date }[], now: Date, opts: { label: string; width?: number; height?: number }): string {
  const w = opts.width ?? 600;
  const h = opts.height ?? 20;
  if (!transitions.length) return `<svg class="chart timeline" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${escapeExpression(opts.label)}: no history"></svg>`;
  const start = new Date(transitions[0].at).getTime();
  const span = Math.max(1, now.getTime() - start);
  const segments: Segment[] = transitions.map((t, i) => ({
    status: t.toStatus, reason: t.reason, from: new Date(t.at), to: i + 1 < transitions.length ? new Date(transitions[i + 1].at) : now,
  }));
  const bands = segments.map((s) => {
    const x = ((s.from.getTime() - start) / span) * w;
    const bw = Math.max(1, ((s.to.getTime() - s.from.getTime()) / span) * w);
    const tone = STATUSES.has(s.status) ? s.status : 'unknown';
    const title = `${s.status} from ${s.from.toISOString()}${s.reason ? `: ${s.reason}` : ''}`;
    return `<rect class="tl-${tone}" x="${x.toFixed(1)}" y="0" width="${bw.toFixed(1)}" height="${h}"><title>${escapeExpression(title)}</title></rect>`;
  });
  return `<svg class="chart timeline" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" preserveAspectRatio="none" role="img" aria-label="${escapeExpression(opts.label)}">${bands.join('')}</svg>`;
}

/** The last 24 whole hours up to now, each with the value found for it (0 where none). */
export function last24Hours<T extends { hour: Date }>(rows: readonly T[], pick: (r: T) => number, now = new Date()): { label: string; value: number; row?: T }[] {
  const byHour = new Map(rows.map((r) => [new Date(r.hour).getTime(), r]));
  const top = new Date(now);
  top.setUTCMinutes(0, 0, 0);
  return Array.from({ length: 24 }, (_, i) => {
    const at = top.getTime() - (23 - i) * 3_600_000;
    const row = byHour.get(at);
    return { label: `${new Date(at).toISOString().slice(11, 16)} UTC`, value: row ? pick(row) : 0, row };
  });
}
