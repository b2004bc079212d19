// The demo's progress bar on a terminal: one line that fits 80 columns, and a
// last frame drawn from the stats after the final flush, so it agrees with the
// summary printed below it.
import { SingleBar } from 'cli-progress';
import type { Stats } from '../stats.js';

export interface ProgressPoint {
  step: number;
  stats: Stats;
  seconds: number;
  /** Compression ratio of what is committed so far, null before the first commit. */
  ratio: number | null;
}

const FORMAT = '{bar} {value}/{total} steps | {mbps} MB/s | {ratio} | {frames} frames committed';

export class DemoProgress {
  private readonly bar: SingleBar;

  constructor(total: number, stream: NodeJS.WriteStream = process.stderr) {
    // A bar of 10 cells keeps the line within 80 columns up to 9,999 steps at 9,999.9 MB/s.
    this.bar = new SingleBar({ format: FORMAT, barsize: 10, hideCursor: true, stream });
    this.bar.start(total, 0, { mbps: '0.0', ratio: 'zstd -', frames: 0 });
  }

  update(point: ProgressPoint): void {
    this.bar.update(point.step, {
      mbps: (point.stats.bytesIn / 2 ** 20 / Math.max(point.seconds, 1e-9)).toFixed(1),
      ratio: point.ratio === null ? 'zstd -' : `zstd ${point.ratio.toFixed(2)}x`,
      frames: point.stats.framesCommitted,
    });
  }

  /** Draws the final frame from `point` (the stats after the last flush) and ends the bar. */
  finish(point: ProgressPoint): void {
    this.update(point);
    this.stop();
  }

  /** Ends the bar where it is (also after an error); harmless twice. */
  stop(): void {
    this.bar.stop();
  }
}
