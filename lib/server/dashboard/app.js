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

const headers = token ? { authorization: `Bearer ${token}` } : {};

// EventSource cannot send an Authorization header, so event streams are read with fetch.
async function follow(path, onEvent, onState) {
  for (;;) {
    try {
      const res = await fetch(path, { headers });
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
          const event = /^event: (.*)$/m.exec(block)?.[1];
          if (event && data) onEvent(event, JSON.parse(data));
        }
      }
      onState?.('the server closed the stream; reconnecting…');
    } catch (error) {
      onState?.(`disconnected (${error.message}); reconnecting…`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

// A stream without a grid: each column plotted against step as rows arrive.
function followRows(name, columns) {
  const box = document.getElementById('streams-live');
  const plots = columns.map((column) => {
    const figure = document.createElement('figure');
    figure.id = `live-${name}-${column}`;
    box.append(figure);
    const plot = new uPlot({ title: `${name}.${column}`, width: 380, height: 200, scales: { x: { time: false } },
      series: [{ label: 'step' }, { label: column, stroke: '#2a6fdb', width: 1.5 }] }, [[], []], figure);
    return { column, figure, plot, x: [], y: [] };
  });
  follow(`/v1/streams/${encodeURIComponent(name)}/live`, (event, data) => {
    if (event !== 'rows') return;
    for (const p of plots) {
      p.x.push(...data.columns.step);
      p.y.push(...data.columns[p.column]);
      if (p.x.length > 5000) { p.x.splice(0, p.x.length - 5000); p.y.splice(0, p.y.length - 5000); }
      p.plot.setData([p.x, p.y]);
      p.figure.dataset.points = String(p.x.length);
    }
  });
}

// A grid stream: its latest frame's first column as a heatmap (blue low, red high).
function followGrid(name, column) {
  const figure = document.createElement('figure');
  figure.id = `live-${name}`;
  const caption = document.createElement('figcaption');
  const canvas = document.createElement('canvas');
  canvas.className = 'heatmap';
  figure.append(caption, canvas);
  document.getElementById('streams-live').append(figure);
  follow(`/v1/streams/${encodeURIComponent(name)}/live?column=${encodeURIComponent(column)}&max=128`, (event, f) => {
    if (event !== 'frame') return;
    const [rows, cols] = f.shape;
    canvas.width = cols;
    canvas.height = rows;
    const ctx = canvas.getContext('2d');
    const image = ctx.createImageData(cols, rows);
    const span = f.max > f.min ? f.max - f.min : 1;
    f.values.forEach((v, k) => {
      const u = Number.isFinite(v) ? (v - f.min) / span : 0.5;
      image.data.set([Math.round(255 * u), Math.round(80 + 80 * (1 - Math.abs(2 * u - 1))), Math.round(255 * (1 - u)), 255], 4 * k);
    });
    ctx.putImageData(image, 0, 0);
    caption.textContent = `${name}.${f.column} at step ${f.step} (t = ${f.time.toPrecision(4)}), ${f.min.toPrecision(3)} … ${f.max.toPrecision(3)}`;
    figure.dataset.step = String(f.step);
  });
}

follow('/v1/events', (event, data) => { if (event === 'stats') render(data); }, (text) => { state.textContent = text; });
fetch('/v1/streams', { headers }).then((r) => r.json()).then(({ streams }) => {
  for (const s of streams) {
    const columns = Object.keys(s.columns);
    if (s.grid) followGrid(s.name, columns[0]);
    else followRows(s.name, columns);
  }
});
