// The dashboard in a real browser: Debian's Chromium driven by playwright-core
// (never a downloaded browser) loads the page with the token in the fragment,
// frames arrive over REST, and the page's counters equal stats() within the
// event interval. The screenshot is kept in dist/test/artifacts/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { bearer, startServer } from './server_support';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'dashboard-token-0123456789';
const artifacts = path.resolve(__dirname, 'artifacts'); // dist/test/: never packed

test('the dashboard shows each stream\'s counters as stats() has them, updated live', { skip: !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM} (scripts/setup.sh installs it)` }, async (t) => {
  const { url, handle } = await startServer(t, { token: TOKEN });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${url}/#token=${TOKEN}`);
  await page.waitForSelector('#stream-diag');

  for (let step = 0; step < 5; step += 1) {
    const res = await fetch(`${url}/v1/streams/diag/frames`, {
      method: 'POST', headers: { ...bearer(TOKEN), 'content-type': 'application/json' },
      body: JSON.stringify({ step, time: step, columns: { energy: new Array(1000).fill(step), count: new Array(1000).fill(1) } }),
    });
    assert.equal(res.status, 200);
  }
  for (let step = 0; step < 3; step += 1) {
    const res = await fetch(`${url}/v1/streams/fields/frames`, {
      method: 'POST', headers: { ...bearer(TOKEN), 'content-type': 'application/json' },
      body: JSON.stringify({ step, time: step, columns: { vx: [0, 1, 2, step], p: [0, 0, 0, 0], id: [0, 0, 0, 0] } }),
    });
    assert.equal(res.status, 200);
  }
  await handle.ingestor.flush();
  const stats = handle.ingestor.stats().streams.diag!;
  // The diagnostics columns are plotted against step, the grid stream's latest frame is a heatmap.
  await page.locator('#live-diag-energy[data-points="5000"]').waitFor({ timeout: 5000 });
  await page.locator('#live-fields[data-step="2"]').waitFor({ timeout: 5000 });
  await page.locator('#live-diag-count[data-points="5000"]').waitFor({ timeout: 5000 });
  const started = Date.now();
  // Events come every 500 ms: the committed count shows within about one interval.
  await page.locator('#stream-diag [data-key="framesCommitted"]').filter({ hasText: new RegExp(`^${stats.framesCommitted}$`) }).waitFor({ timeout: 5000 });
  const shownWithin = Date.now() - started;
  const keys = await page.locator('#stream-diag td').evaluateAll((tds) => tds.map((td) => td.getAttribute('data-key')!));
  const texts = await page.locator('#stream-diag td').allTextContents();
  const cells = Object.fromEntries(keys.map((key, i) => [key, texts[i]]));
  assert.deepEqual(cells, {
    name: 'diag',
    framesAccepted: String(stats.framesAccepted),
    framesCommitted: String(stats.framesCommitted),
    framesInFlight: '0',
    framesRejected: '0',
    framesDropped: '0',
    mbIn: (stats.bytesIn / 2 ** 20).toFixed(2),
    mbps: cells.mbps!,
  });
  assert.ok(shownWithin < 1500, `shown ${shownWithin} ms after the flush`);
  assert.equal(await page.locator('.uplot').count(), 4); // throughput, memory, diag.energy, diag.count
  assert.deepEqual(errors, []);
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, 'dashboard.png') });
});

test('the events stream needs the token; the page itself holds no data and does not', async (t) => {
  const { url } = await startServer(t, { token: TOKEN });
  assert.equal((await fetch(`${url}/v1/events`)).status, 401);
  assert.equal((await fetch(`${url}/`)).status, 200);
  assert.equal((await fetch(`${url}/dashboard/..%2Fpackage.json`)).status, 404);
});
