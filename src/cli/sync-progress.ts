import type { SyncRunView } from '../integrations/sync';
import { formatDuration } from './cli-output';

const BAR_WIDTH = 20;
const REDRAW_MS = 100;

/** One run's line: what it syncs, and where it stands. */
export interface RunLine {
  label: string;
  view?: SyncRunView;
  /** pages the previous complete run of this stream had, to size the bar; null when unknown */
  expectedPages: number | null;
  /** set when the run has ended: succeeded, failed, skipped, paused */
  outcome?: string;
}

/**
 * Shows sync runs as they go. On a terminal every run has a line with a progress bar, redrawn in
 * place; otherwise (a log, CI) each run prints one plain line when it starts and one when it ends.
 */
export class SyncProgress {
  private readonly lines: RunLine[] = [];
  private readonly tty: boolean;
  private drawn = 0;
  private tick = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly out: NodeJS.WriteStream) {
    this.tty = out.isTTY === true;
  }

  add(label: string): RunLine {
    const line: RunLine = { label, expectedPages: null };
    this.lines.push(line);
    if (this.tty && !this.timer) this.timer = setInterval(() => this.draw(), REDRAW_MS);
    return line;
  }

  started(line: RunLine, view: SyncRunView, expectedPages: number | null): void {
    Object.assign(line, { view, expectedPages });
    if (!this.tty) this.out.write(`started    ${line.label} (run ${view.id}, ${view.mode}${view.dryRun ? ', dry run' : ''})\n`);
  }

  updated(line: RunLine, view: SyncRunView): void {
    if (!line.outcome) line.view = view;
  }

  finished(line: RunLine, outcome: string, view?: SyncRunView): void {
    Object.assign(line, { outcome, view: view ?? line.view });
    if (!this.tty) this.out.write(`${outcome.padEnd(10)} ${line.label}${line.view ? `: ${counts(line.view)} in ${formatDuration(line.view.durationMs)}` : ''}\n`);
  }

  /** Draws the final state and stops redrawing. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty) this.draw();
  }

  private draw(): void {
    this.tick++;
    const up = this.drawn ? `\x1b[${this.drawn}A` : '';
    this.out.write(up + this.lines.map((l) => `\x1b[2K${render(l, this.tick)}\n`).join(''));
    this.drawn = this.lines.length;
  }
}

function counts(v: SyncRunView): string {
  return `+${v.counts.added} ~${v.counts.updated} -${v.counts.deleted} =${v.counts.unchanged}`;
}

function render(l: RunLine, tick: number): string {
  if (!l.view) return `${bar(0, null, tick, false)} ${l.label}${l.outcome ? `  ${l.outcome}` : '  starting'}`;
  const pages = l.view.progress.pagesDone;
  const status = l.outcome ?? (l.view.progress.fetched ? 'finishing' : 'running');
  const of = l.expectedPages ? `/${l.expectedPages}` : '';
  return `${bar(pages, l.expectedPages, tick, l.outcome === 'succeeded')} ${l.label}  ${status}  ${pages}${of} pages  ${counts(l.view)}  ${formatDuration(l.view.durationMs)}`;
}

/** A filled bar when the run's size is known from the last one, else a block walking to and fro. */
function bar(done: number, expected: number | null, tick: number, complete: boolean): string {
  if (complete) return `[${'#'.repeat(BAR_WIDTH)}]`;
  if (expected) {
    const filled = Math.min(BAR_WIDTH - 1, Math.round((BAR_WIDTH * done) / expected));
    return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  }
  const span = BAR_WIDTH - 4;
  const at = tick % (2 * span) < span ? tick % (2 * span) : 2 * span - (tick % (2 * span));
  return `[${' '.repeat(at)}####${' '.repeat(span - at)}]`;
}
