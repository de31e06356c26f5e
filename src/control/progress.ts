/**
 * The progress line on a terminal: while marking, the directories marked
 * and the rate; during the initial sync, what marking found, the parts of
 * the sync done of all (rsyncdirect syncs the tree in parts: the top level,
 * then groups of top-level directories), the elapsed time and an estimate
 * of the rest. Redrawn in place (`\r`, erase line) at most 4 times a second;
 * log lines clear it first. Only when stderr is a terminal and not `-q`.
 */
import type { WriteStream } from 'node:tty';
import type { MarkStats } from '../monitor/monitor.js';
import { log } from '../log.js';

/** Redraws per second: enough to look alive, few enough to cost nothing. */
const REDRAW_MS = 250;

/** Erase the current line and return to its start. */
const CLEAR = '\r\x1b[K';

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
}

/** The line while marking. */
export function markingText(dirs: number, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? Math.round((dirs * 1000) / elapsedMs) : 0;
  return `marking: ${count(dirs)} directories (${count(rate)}/s)`;
}

/** The line during the initial sync. */
export function initialSyncText(stats: MarkStats | undefined, done: number, total: number, elapsedMs: number): string {
  const what = stats ? `${count(stats.files + stats.dirs)} entries` : 'the tree';
  let text = `initial sync of ${what}: ${duration(elapsedMs)}`;
  if (total > 0) {
    text += `, part ${done} of ${total}`;
    if (done > 0 && done < total) text += `, about ${duration((elapsedMs / done) * (total - done))} left`;
  }
  return text;
}

/** Draws the line; `watched()` is read while marking (the watch table grows as marking goes). */
export class ProgressLine {
  private timer: NodeJS.Timeout | undefined;
  private phase: 'marking' | 'initsync' | 'off' = 'off';
  private phaseStart = 0;
  private stats: MarkStats | undefined;
  private done = 0;
  private total = 0;
  private shown = false;

  constructor(
    private readonly out: WriteStream,
    private readonly watched: () => number | undefined,
  ) {
    log.setBeforeLine(() => this.clear());
  }

  /** Whether a progress line belongs on this stream: a terminal, and not -q. */
  static wanted(stream: NodeJS.WriteStream, quiet: boolean): boolean {
    return stream.isTTY === true && !quiet;
  }

  marking(): void {
    this.start('marking');
  }

  marked(stats: MarkStats): void {
    this.stats = stats;
    this.stop();
  }

  initialSync(): void {
    this.start('initsync');
  }

  initialSyncProgress(done: number, total: number): void {
    this.done = done;
    this.total = total;
    this.draw();
  }

  /** Marking or the initial sync ended (or the daemon did). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.phase = 'off';
    this.clear();
  }

  private start(phase: 'marking' | 'initsync'): void {
    this.phase = phase;
    this.phaseStart = performance.now();
    this.done = 0;
    this.total = 0;
    clearInterval(this.timer);
    this.timer = setInterval(() => this.draw(), REDRAW_MS);
    this.timer.unref();
    this.draw();
  }

  private draw(): void {
    if (this.phase === 'off') return;
    const elapsed = performance.now() - this.phaseStart;
    const text = this.phase === 'marking' ? markingText(this.watched() ?? 0, elapsed) : initialSyncText(this.stats, this.done, this.total, elapsed);
    // a terminal of unknown width (0 under `script` without one) gets 80 columns
    const columns = this.out.columns;
    const width = (columns !== undefined && columns >= 20 ? columns : 80) - 1;
    this.out.write(CLEAR + (text.length > width ? text.slice(0, width) : text));
    this.shown = true;
  }

  private clear(): void {
    if (!this.shown) return;
    this.out.write(CLEAR);
    this.shown = false;
  }
}
