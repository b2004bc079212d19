// GET /v1/streams/{stream}/live: the latest frame of a grid stream as a
// downsampled heatmap, and the rows of each new frame of a stream without a
// grid, as server-sent events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer } from './server_support';

// Reads server-sent events until `until` says it has what it needs.
async function readEvents(url: string, until: (events: { event: string; data: any }[]) => boolean): Promise<{ event: string; data: any }[]> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: { event: string; data: any }[] = [];
  let buffer = '';
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
    }
  } finally {
    await reader.cancel();
  }
  return events;
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('a grid stream sends its latest frame downsampled; a stream without a grid sends new rows', async (t) => {
  const { url } = await startServer(t);
  assert.equal((await post(`${url}/v1/streams/fields/frames`, { step: 4, time: 1, columns: { vx: [1, 2, 3, 6], p: [0, 0, 0, 0], id: [0, 0, 0, 0] } })).status, 200);
  // max=1: the 2×2 grid becomes one cell, the mean.
  const [heat] = await readEvents(`${url}/v1/streams/fields/live?column=vx&max=1`, (e) => e.length >= 1);
  assert.deepEqual(heat, { event: 'frame', data: { step: 4, time: 1, column: 'vx', grid: [2, 2], shape: [1, 1], min: 3, max: 3, values: [3] } });
  const [full] = await readEvents(`${url}/v1/streams/fields/live?column=vx`, (e) => e.length >= 1);
  assert.deepEqual(full!.data.values, [1, 2, 3, 6]);

  for (let step = 0; step < 3; step += 1) await post(`${url}/v1/streams/diag/frames`, { step, time: step / 2, columns: { energy: [step + 0.5], count: [step] } });
  const [rows] = await readEvents(`${url}/v1/streams/diag/live`, (e) => e.length >= 1);
  assert.deepEqual(rows, { event: 'rows', data: { rows: 3, columns: { step: [0, 1, 2], time: [0, 0.5, 1], energy: [0.5, 1.5, 2.5], count: [0, 1, 2] } } });

  assert.equal((await fetch(`${url}/v1/streams/nope/live`)).status, 404);
  assert.equal((await fetch(`${url}/v1/streams/fields/live?column=nope`)).status, 400);
  assert.equal((await fetch(`${url}/v1/streams/fields/live?max=0`)).status, 400);
});
