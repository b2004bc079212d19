// The demo's progress bar on an 80-column terminal: never cut, and its last
// frame shows the stats after the final flush (what the summary prints).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PassThrough } from 'node:stream';
import type { Stats } from 'simingest';
import { DemoProgress } from 'simingest/demo';

function terminal(): { stream: NodeJS.WriteStream; frames(): string[] } {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 80 }) as unknown as NodeJS.WriteStream;
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return {
    stream,
    // Each frame starts with a move to column 1 (CSI 1 G); drop the other escape sequences.
    frames: () =>
      text.split(/\u001b\[1G|\r|\n/).map((f) => f.replace(/\u001b(\[[0-9;?]*[A-Za-z]|[78])/g, '')).filter((f) => f.trim()),
  };
}

const stats = (framesCommitted: number, bytesIn: number) => ({ framesCommitted, bytesIn }) as Stats;

test('the final frame shows the frames committed by the last flush', () => {
  const tty = terminal();
  const progress = new DemoProgress(200, tty.stream);
  progress.update({ step: 200, stats: stats(324, 2 ** 30), seconds: 2, ratio: 1.5 });
  progress.finish({ step: 200, stats: stats(400, 2 ** 30), seconds: 2.5, ratio: 1.75 });
  progress.stop();
  const last = tty.frames().at(-1)!;
  assert.match(last, /200\/200 steps \| 409\.6 MB\/s \| zstd 1\.75x \| 400 frames committed$/);
});

test('a line fits 80 columns up to 9,999 steps at 9,999.9 MB/s', () => {
  const tty = terminal();
  const progress = new DemoProgress(9999, tty.stream);
  progress.finish({ step: 9999, stats: stats(19998, 9999.9 * 2 ** 20), seconds: 1, ratio: 12.34 });
  const last = tty.frames().at(-1)!;
  assert.match(last, /19998 frames committed$/);
  assert.ok(last.length <= 80, `${last.length} columns: ${last}`);
});
