// The dashboard: reads GET /v1/events (server-sent events, with the bearer
// token from the page's #token=… fragment, which browsers never send to the
// server) and draws counters per stream, throughput and memory over time.
'use strict';

const token = new URLSearchParams(location.hash.slice(1)).get('token');
const state = document.getElementById('state');
const WINDOW = 240; // points kept: two minutes at two events a second

const series = { t: [], mbps: [], used: [], limit: [] };
let last = null;

function chart(id, title, labels) {
  return new uPlot({
    title, width: 520, height: 240,
    series: [{}, ...labels.map((label, i) => ({ label, stroke: ['#2a6fdb', '#d9534f'][i], width: 2 }))],
    axes: [{}, { size: 60 }],
  }, [[], ...labels.map(() => [])], document.getElementById(id));
}
const throughput = chart('throughput', 'ingest MB/s', ['MB/s']);
const memory = chart('memory', 'engine memory (MiB)', ['used', 'limit']);

const cell = (text) => { const td = document.createElement('td'); td.textContent = text; return td; };
const mb = (bytes) => (bytes / 2 ** 20).toFixed(2);

function render(stats) {
  const seconds = last ? (stats.at - last.at) / 1000 : 0;
  const rows = [];
  for (const [name, s] of Object.entries(stats.streams)) {
    const before = last?.streams[name];
    const rate = before && seconds > 0 ? (s.bytesIn - before.bytesIn) / 2 ** 20 / seconds : 0;
    const tr = document.createElement('tr');
    tr.id = `stream-${name}`;
    for (const [key, text] of [['name', name], ['framesAccepted', s.framesAccepted], ['framesCommitted', s.framesCommitted],
      ['framesInFlight', s.framesInFlight], ['framesRejected', s.framesRejected], ['framesDropped', s.framesDropped],
      ['mbIn', mb(s.bytesIn)], ['mbps', rate.toFixed(2)]]) {
      const td = cell(String(text));
      td.dataset.key = key;
      tr.append(td);
    }
    rows.push(tr);
  }
  document.getElementById('streams').replaceChildren(...rows);
  const rate = last && seconds > 0 ? (stats.bytesIn - last.bytesIn) / 2 ** 20 / seconds : 0;
  series.t.push(stats.at / 1000);
  series.mbps.push(rate);
  series.used.push(stats.memoryUsed / 2 ** 20);
  series.limit.push(stats.memoryLimit / 2 ** 20);
  for (const list of Object.values(series)) if (list.length > WINDOW) list.shift();
  throughput.setData([series.t, series.mbps]);
  memory.setData([series.t, series.used, series.limit]);
  state.textContent = `live · ${new Date(stats.at).toLocaleTimeString()} · ${stats.framesCommitted} frames committed`;
  state.dataset.at = String(stats.at);
  last = stats;
}

// EventSource cannot send an Authorization header, so the stream is read with fetch.
async function follow() {
  for (;;) {
    try {
      const res = await fetch('/v1/events', { headers: token ? { authorization: `Bearer ${token}` } : {} });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (/^event: stats$/m.test(block) && data) render(JSON.parse(data));
        }
      }
      state.textContent = 'the server closed the stream; reconnecting…';
    } catch (error) {
      state.textContent = `disconnected (${error.message}); reconnecting…`;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
follow();
