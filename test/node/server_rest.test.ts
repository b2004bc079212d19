// The REST API of `simingest serve` with Node's fetch: frames in as JSON and
// as Arrow IPC, read back through the query endpoint and by DuckDB from the
// committed files; bad input refused with the engine's code and message and
// nothing of it written.
import { tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readStream } from './helpers';
import { startServer } from './server_support';

const json = { 'content-type': 'application/json' };
const ARROW = 'application/vnd.apache.arrow.stream';

async function post(url: string, body: unknown, headers: Record<string, string> = json) {
  const res = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) });
  return { status: res.status, body: await res.json() as { framesAccepted?: number; error?: { code: string; message: string; framesAccepted?: number } } };
}

test('JSON frames go in, the query returns them as JSON, CSV and Arrow, DuckDB reads them after a flush', async (t) => {
  const { url, dataset, handle } = await startServer(t);
  const frames = 'fields';
  const vx = [0.1, -0, 1e-310, 3.5];
  const id = [1, -2, '9007199254740993', '-9223372036854775808'];
  // Written by hand: JSON.stringify would write -0 as 0.
  const first = `{"step":7,"time":0.25,"columns":{"vx":[0.1,-0,1e-310,3.5],"p":[1,2,"NaN","-Infinity"],"id":${JSON.stringify(id)}}}`;
  assert.deepEqual(await post(`${url}/v1/streams/${frames}/frames`, first),
    { status: 200, body: { framesAccepted: 1 } });
  // Raw little-endian bytes of a column, and an array of frames.
  const vxBytes = Buffer.from(new Float64Array([5, 6, 7, 8]).buffer).toString('base64');
  assert.deepEqual(await post(`${url}/v1/streams/${frames}/frames`, [
    { step: 8, time: 0.5, columns: { vx: { dtype: 'float64', base64: vxBytes }, p: 9, id: 4 } },
    { step: 9, time: 0.75, columns: { vx: [1, 1, 1, 1], p: [0, 0, 0, 0], id: [0, 0, 0, 0] } },
  ]), { status: 200, body: { framesAccepted: 2 } });

  const rows = await (await fetch(`${url}/v1/streams/fields/query?steps=7:8&columns=vx,id`)).json() as Record<string, unknown>[];
  assert.equal(rows.length, 8);
  assert.deepEqual(rows[0], { step: 7, time: 0.25, vx: 0.1, id: 1 });
  assert.ok(Object.is(rows[1]!.vx, -0));
  assert.equal(rows[2]!.vx, 1e-310);
  assert.deepEqual(rows.slice(4).map((r) => r.vx), [5, 6, 7, 8]);

  const csv = await (await fetch(`${url}/v1/streams/fields/query?steps=7:7&columns=p,id`, { headers: { accept: 'text/csv' } })).text();
  assert.equal(csv, 'step,time,p,id\n7,0.25,1,1\n7,0.25,2,-2\n7,0.25,NaN,9007199254740993\n7,0.25,-Infinity,-9223372036854775808\n');

  const arrowRes = await fetch(`${url}/v1/streams/fields/query?time=0.5:1`, { headers: { accept: ARROW } });
  assert.equal(arrowRes.headers.get('content-type'), ARROW);
  const table = tableFromIPC(new Uint8Array(await arrowRes.arrayBuffer()));
  assert.deepEqual(table.schema.fields.map((f) => f.name), ['step', 'time', 'vx', 'p', 'id']);
  assert.deepEqual([...table.getChild('step')!.toArray()], [8n, 8n, 8n, 8n, 9n, 9n, 9n, 9n]);
  assert.deepEqual([...table.getChild('p')!.toArray()], [9, 9, 9, 9, 0, 0, 0, 0]);

  // An empty selection is still a valid Arrow stream with the schema.
  const empty = tableFromIPC(new Uint8Array(await (await fetch(`${url}/v1/streams/fields/query?steps=100:200`, { headers: { accept: ARROW } })).arrayBuffer()));
  assert.equal(empty.numRows, 0);
  assert.deepEqual(empty.schema.fields.map((f) => f.name), ['step', 'time', 'vx', 'p', 'id']);

  assert.equal((await fetch(`${url}/v1/flush`, { method: 'POST' })).status, 200);
  const stored = await readStream(dataset, 'fields', 'step, vx, p, id');
  assert.deepEqual(stored.step, [7n, 7n, 7n, 7n, 8n, 8n, 8n, 8n, 9n, 9n, 9n, 9n]);
  assert.deepEqual(stored.vx!.slice(0, 4), vx);
  assert.deepEqual(stored.id!.slice(0, 4), [1n, -2n, 9007199254740993n, -9223372036854775808n]);
  assert.ok(Number.isNaN(stored.p![2]));
  assert.equal(stored.p![3], -Infinity);

  const status = await (await fetch(`${url}/v1/status`)).json() as { streams: Record<string, { framesCommitted: number }> };
  assert.equal(status.streams.fields!.framesCommitted, 3);
  assert.equal(status.streams.fields!.framesCommitted, handle.ingestor.stats().streams.fields!.framesCommitted);
  const listed = await (await fetch(`${url}/v1/streams`)).json() as { streams: { name: string; columns: object; grid: number[] | null }[] };
  assert.deepEqual(listed.streams.map((s) => [s.name, s.columns, s.grid]), [
    ['fields', { vx: 'float64', p: 'float32', id: 'int64' }, [2, 2]],
    ['diag', { energy: 'float64', count: 'uint16' }, null],
  ]);
});

test('an Arrow IPC body is split into frames by (step, time); a truncated one is refused whole', async (t) => {
  const { url, dataset, handle } = await startServer(t);
  const table = tableFromArrays({
    step: new BigInt64Array([1n, 1n, 2n, 3n]),
    time: new Float64Array([0.1, 0.1, 0.2, 0.3]),
    energy: new Float64Array([1.5, 2.5, 3.5, 4.5]),
    count: new Uint16Array([1, 2, 3, 65535]),
  });
  const bytes = tableToIPC(table, 'stream');
  assert.deepEqual(await post(`${url}/v1/streams/diag/frames`, bytes, { 'content-type': ARROW }), { status: 200, body: { framesAccepted: 3 } });
  const truncated = await post(`${url}/v1/streams/diag/frames`, bytes.subarray(0, bytes.length - 20), { 'content-type': ARROW });
  assert.equal(truncated.status, 400);
  assert.equal(truncated.body.error!.code, 'ERR_INVALID_ARGUMENT');
  assert.match(truncated.body.error!.message, /Arrow IPC/);
  const garbage = await post(`${url}/v1/streams/diag/frames`, new Uint8Array([1, 2, 3]), { 'content-type': ARROW });
  assert.equal(garbage.status, 400);
  await handle.ingestor.flush();
  const stored = await readStream(dataset, 'diag', 'step, energy, count');
  assert.deepEqual(stored.step, [1n, 1n, 2n, 3n]);
  assert.deepEqual(stored.energy, [1.5, 2.5, 3.5, 4.5]);
  assert.deepEqual(stored.count, [1, 2, 3, 65535]);
});

test('bad input is refused with the engine code and message, counted, and nothing of it is written', async (t) => {
  const { url, handle } = await startServer(t, { limits: { bodyBytes: 4096 } });
  const frames = `${url}/v1/streams/fields/frames`;
  const cases: [string, unknown, number, string, RegExp?][] = [
    ['malformed JSON', '{"step": 1, "time":', 400, 'ERR_INVALID_ARGUMENT', /malformed JSON/],
    ['missing step', { time: 0, columns: {} }, 400, 'ERR_INVALID_ARGUMENT', /step/],
    ['unknown dtype', { step: 1, time: 0, columns: { vx: { dtype: 'float128', base64: 'AAAAAAAAAAA=' } } }, 400, 'ERR_INVALID_ARGUMENT', /unknown dtype "float128"/],
    ['byte length', { step: 1, time: 0, columns: { vx: { dtype: 'float64', base64: 'AAAAAAAAAAAAAA==' } } }, 400, 'ERR_LENGTH_MISMATCH', /10 bytes is not a whole number of float64/],
    ['wrong dtype bytes', { step: 1, time: 0, columns: { vx: { dtype: 'float32', base64: Buffer.alloc(16).toString('base64') }, p: [0, 0, 0, 0], id: [0, 0, 0, 0] } }, 400, 'ERR_DTYPE_MISMATCH'],
    ['fraction in an int column', { step: 1, time: 0, columns: { vx: [0, 0, 0, 0], p: [0, 0, 0, 0], id: [0, 1.5, 0, 0] } }, 400, 'ERR_DTYPE_MISMATCH', /id\[1\]/],
    ['unknown column', { step: 1, time: 0, columns: { vx: [0, 0, 0, 0], p: [0, 0, 0, 0], id: [0, 0, 0, 0], w: [1, 2, 3, 4] } }, 400, 'ERR_UNKNOWN_COLUMN'],
    ['missing column', { step: 1, time: 0, columns: { vx: [0, 0, 0, 0] } }, 400, 'ERR_MISSING_COLUMN'],
    ['grid size', { step: 1, time: 0, columns: { vx: [0], p: [0], id: [0] } }, 400, 'ERR_LENGTH_MISMATCH'],
    ['a column named __proto__', '{"step":1,"time":0,"columns":{"vx":[0,0,0,0],"p":[0,0,0,0],"id":[0,0,0,0],"__proto__":[1,2,3,4]}}', 400, 'ERR_UNKNOWN_COLUMN', /__proto__/],
  ];
  for (const [what, body, status, code, message] of cases) {
    const res = await post(frames, body);
    assert.equal(res.status, status, what);
    assert.equal(res.body.error!.code, code, what);
    if (message) assert.match(res.body.error!.message, message, what);
  }
  // The second frame of a body is bad: the first is in (and reported as such), the rest not.
  const partial = await post(frames, [
    { step: 1, time: 0, columns: { vx: [0, 0, 0, 0], p: [0, 0, 0, 0], id: [0, 0, 0, 0] } },
    { step: 2, time: 0, columns: { vx: [0, 0, 0, 0] } },
  ]);
  assert.equal(partial.status, 400);
  assert.equal(partial.body.error!.framesAccepted, 1);
  // A malformed second frame fails the parse: nothing of the body is ingested.
  const parse = await post(frames, [{ step: 3, time: 0, columns: { vx: [0, 0, 0, 0], p: [0, 0, 0, 0], id: [0, 0, 0, 0] } }, { step: 'x' }]);
  assert.equal(parse.status, 400);
  assert.equal(parse.body.error!.framesAccepted, undefined);

  const unknown = await post(`${url}/v1/streams/nope/frames`, { step: 1, time: 0, columns: { vx: [0, 0, 0, 0] } });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error!.code, 'ERR_UNKNOWN_STREAM');
  const tooLarge = await post(frames, { step: 1, time: 0, columns: { vx: new Array(3000).fill(1) } });
  assert.equal(tooLarge.status, 413);
  assert.equal(tooLarge.body.error!.code, 'ERR_BODY_TOO_LARGE');
  const type = await post(frames, 'step=1', { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(type.status, 415);
  assert.equal((await fetch(`${url}/v1/streams/nope/query`)).status, 404);
  const badQuery = await fetch(`${url}/v1/streams/fields/query?steps=a:b`);
  assert.equal(badQuery.status, 400);
  assert.match(((await badQuery.json()) as { error: { message: string } }).error.message, /steps=a:b/);
  assert.equal((await fetch(`${url}/v1/streams/fields/query`, { headers: { accept: 'image/png' } })).status, 406);
  assert.equal((await fetch(`${url}/v1/streams/fields/query`, { headers: { accept: 'constructor' } })).status, 406);
  assert.equal((await fetch(`${url}/v1/nothing`)).status, 404);
  assert.equal((await fetch(`${url}/v1/flush`)).status, 405);

  const stats = handle.ingestor.stats();
  assert.equal(stats.streams.fields!.framesAccepted, 1);
  assert.equal(stats.streams.diag!.framesAccepted, 0);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /simingest_rejects_total\{path="rest",code="ERR_DTYPE_MISMATCH"\} 2/);
  assert.match(metrics, /simingest_rejects_total\{path="rest",code="ERR_BODY_TOO_LARGE"\} 1/);
  // The server is unaffected.
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
});
