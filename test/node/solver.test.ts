// The demo's solver is part of the product: its physics is checked against
// the exact Taylor–Green solution, its FFT against a direct DFT.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Fft, Fft2d } from 'simingest/demo';
import { NavierStokes2d } from 'simingest/demo';

test('the FFT matches a direct DFT and inverts exactly', () => {
  const n = 16;
  const re = Float64Array.from({ length: n }, (_, j) => Math.sin(j * 1.3) + j / 7);
  const im = Float64Array.from({ length: n }, (_, j) => Math.cos(j * 0.4));
  const wantRe = new Float64Array(n);
  const wantIm = new Float64Array(n);
  for (let k = 0; k < n; k += 1) {
    for (let j = 0; j < n; j += 1) {
      const a = (-2 * Math.PI * j * k) / n;
      wantRe[k] += re[j]! * Math.cos(a) - im[j]! * Math.sin(a);
      wantIm[k] += re[j]! * Math.sin(a) + im[j]! * Math.cos(a);
    }
  }
  const gotRe = re.slice();
  const gotIm = im.slice();
  new Fft(n).transform(gotRe, gotIm, false);
  for (let k = 0; k < n; k += 1) {
    assert.ok(Math.abs(gotRe[k]! - wantRe[k]!) < 1e-12 && Math.abs(gotIm[k]! - wantIm[k]!) < 1e-12, `bin ${k}`);
  }
  const fft2 = new Fft2d(8, 4);
  const a = Float64Array.from({ length: 32 }, (_, m) => Math.sin(m));
  const b = new Float64Array(32);
  fft2.forward(a, b);
  fft2.inverse(a, b);
  a.forEach((v, m) => assert.ok(Math.abs(v - Math.sin(m)) < 1e-14 && Math.abs(b[m]!) < 1e-14));
  assert.throws(() => new Fft(12), RangeError);
});

test('Taylor–Green kinetic energy decays as exp(-4 nu t) and pressure matches the exact solution', () => {
  const nu = 0.05;
  const solver = new NavierStokes2d({ nx: 32, ny: 32, viscosity: nu, perturbation: 0 });
  const initial = solver.sample();
  assert.ok(Math.abs(initial.diagnostics.energy - 0.25) < 1e-12);
  for (let s = 0; s < 100; s += 1) solver.advance();
  const { fields, diagnostics } = solver.sample();
  const decay = Math.exp(-4 * nu * solver.time);
  assert.ok(solver.time > 2, `only reached t = ${solver.time}`);
  const relative = Math.abs(diagnostics.energy / (0.25 * decay) - 1);
  assert.ok(relative < 1e-8, `energy off by ${relative}`);
  // Enstrophy of the k² = 2 mode is 2 E.
  assert.ok(Math.abs(diagnostics.enstrophy - 2 * diagnostics.energy) < 1e-10);
  let worst = 0;
  for (let j = 0; j < 32; j += 1) {
    for (let i = 0; i < 32; i += 1) {
      const x = (2 * Math.PI * i) / 32;
      const y = (2 * Math.PI * j) / 32;
      const m = j * 32 + i;
      const amp = Math.exp(-2 * nu * solver.time);
      worst = Math.max(
        worst,
        Math.abs(fields.vx[m]! - Math.sin(x) * Math.cos(y) * amp),
        Math.abs(fields.vy[m]! + Math.cos(x) * Math.sin(y) * amp),
        Math.abs(fields.p[m]! - ((Math.cos(2 * x) + Math.cos(2 * y)) / 4) * decay),
        Math.abs(fields.vorticity[m]! - 2 * Math.sin(x) * Math.sin(y) * amp),
      );
    }
  }
  assert.ok(worst < 1e-6, `fields off by ${worst}`); // float32 output
});

test('a perturbed vortex evolves away from the exact solution but conserves energy up to viscosity', () => {
  const solver = new NavierStokes2d({ nx: 64, ny: 64, viscosity: 1e-3, perturbation: 0.1 });
  const e0 = solver.sample().diagnostics.energy;
  for (let s = 0; s < 40; s += 1) solver.advance();
  const e1 = solver.sample().diagnostics.energy;
  assert.ok(e1 < e0, 'viscosity dissipates energy');
  assert.ok(e1 > e0 * Math.exp(-4 * 1e-3 * 25 * solver.time), 'no more than the highest resolved mode would dissipate');
});
