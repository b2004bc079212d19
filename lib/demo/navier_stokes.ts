// 2D incompressible Navier–Stokes on the periodic square [0, 2π)², in
// vorticity–streamfunction form, pseudo-spectral in space (2/3-rule
// dealiasing) and classical RK4 in time:
//
//   ∂ω/∂t + u·∇ω = ν ∇²ω,   ω = -∇²ψ,   u = ∂ψ/∂y,   v = -∂ψ/∂x.
//
// It starts from the Taylor–Green vortex ω = 2 sin x sin y, an exact solution
// whose kinetic energy decays as E(t) = E(0) exp(-4νt) and whose pressure is
// p = (cos 2x + cos 2y)/4 · exp(-4νt); an optional deterministic
// perturbation of higher wavenumbers makes the flow evolve non-trivially.
import { Fft2d } from './fft.js';

export interface SolverOptions {
  nx: number;
  ny: number;
  /** Kinematic viscosity ν. */
  viscosity: number;
  /** Target Courant number of the fixed time step (dt = cfl · dx / max|u| at t = 0). */
  cfl?: number;
  /** Amplitude of the deterministic perturbation added to the Taylor–Green vorticity. */
  perturbation?: number;
}

export interface Diagnostics {
  /** Mean kinetic energy ½⟨u² + v²⟩. */
  energy: number;
  /** Mean enstrophy ½⟨ω²⟩. */
  enstrophy: number;
  maxVelocity: number;
  /** max|u| · dt / dx of the step just taken. */
  cfl: number;
  dt: number;
}

/** The physical fields of one step, as float32 on the grid (row-major, x fastest). */
export interface Fields {
  vx: Float32Array;
  vy: Float32Array;
  p: Float32Array;
  vorticity: Float32Array;
}

export class NavierStokes2d {
  readonly nx: number;
  readonly ny: number;
  readonly viscosity: number;
  readonly dx: number;
  readonly dt: number;
  step = 0;
  time = 0;

  readonly #fft: Fft2d;
  readonly #kx: Float64Array; // per column index i
  readonly #ky: Float64Array; // per row index j
  readonly #k2: Float64Array; // |k|² per mode
  readonly #keep: Uint8Array; // 2/3-rule mask per mode
  // Spectral vorticity and RK4 scratch.
  readonly #wRe: Float64Array;
  readonly #wIm: Float64Array;
  readonly #stageRe: Float64Array;
  readonly #stageIm: Float64Array;
  readonly #accRe: Float64Array;
  readonly #accIm: Float64Array;
  readonly #rhsRe: Float64Array;
  readonly #rhsIm: Float64Array;
  readonly #aRe: Float64Array;
  readonly #aIm: Float64Array;
  readonly #bRe: Float64Array;
  readonly #bIm: Float64Array;

  constructor(options: SolverOptions) {
    const { nx, ny, viscosity } = options;
    this.nx = nx;
    this.ny = ny;
    this.viscosity = viscosity;
    this.#fft = new Fft2d(nx, ny);
    const size = nx * ny;
    const grid = () => new Float64Array(size);
    this.#wRe = grid();
    this.#wIm = grid();
    this.#stageRe = grid();
    this.#stageIm = grid();
    this.#accRe = grid();
    this.#accIm = grid();
    this.#rhsRe = grid();
    this.#rhsIm = grid();
    this.#aRe = grid();
    this.#aIm = grid();
    this.#bRe = grid();
    this.#bIm = grid();
    // Wavenumbers; the Nyquist mode gets k = 0 so odd derivatives stay real.
    const wavenumbers = (n: number) =>
      Float64Array.from({ length: n }, (_, i) => (i < n / 2 ? i : i === n / 2 ? 0 : i - n));
    this.#kx = wavenumbers(nx);
    this.#ky = wavenumbers(ny);
    this.#k2 = grid();
    this.#keep = new Uint8Array(size);
    for (let j = 0; j < ny; j += 1) {
      for (let i = 0; i < nx; i += 1) {
        const m = j * nx + i;
        const fx = i < nx / 2 ? i : i - nx;
        const fy = j < ny / 2 ? j : j - ny;
        this.#k2[m] = this.#kx[i] * this.#kx[i] + this.#ky[j] * this.#ky[j];
        this.#keep[m] = Math.abs(fx) < nx / 3 && Math.abs(fy) < ny / 3 ? 1 : 0;
      }
    }
    this.dx = (2 * Math.PI) / Math.min(nx, ny);

    const eps = options.perturbation ?? 0;
    for (let j = 0; j < ny; j += 1) {
      const y = (2 * Math.PI * j) / ny;
      for (let i = 0; i < nx; i += 1) {
        const x = (2 * Math.PI * i) / nx;
        this.#wRe[j * nx + i] =
          2 * Math.sin(x) * Math.sin(y) + eps * (Math.sin(4 * x) * Math.cos(3 * y) + Math.cos(5 * x + 2 * y));
      }
    }
    this.#fft.forward(this.#wRe, this.#wIm);
    this.#dealias(this.#wRe, this.#wIm);

    const cfl = options.cfl ?? 0.5;
    const maxVelocity = this.#maxVelocity();
    this.dt = (cfl * this.dx) / Math.max(maxVelocity, 1e-12);
  }

  #dealias(re: Float64Array, im: Float64Array): void {
    const keep = this.#keep;
    for (let m = 0; m < re.length; m += 1) {
      if (keep[m] === 0) {
        re[m] = 0;
        im[m] = 0;
      }
    }
  }

  // Physical u (into aRe) and v (into aIm) from spectral vorticity (wr, wi):
  // û = i ky ψ̂, v̂ = -i kx ψ̂ with ψ̂ = ω̂/k²; both real fields come out of one
  // complex inverse transform of û + i v̂.
  #velocity(wr: Float64Array, wi: Float64Array): void {
    const { nx, ny } = this;
    const re = this.#aRe;
    const im = this.#aIm;
    for (let j = 0; j < ny; j += 1) {
      const ky = this.#ky[j];
      for (let i = 0; i < nx; i += 1) {
        const m = j * nx + i;
        const k2 = this.#k2[m];
        const pr = k2 > 0 ? wr[m] / k2 : 0;
        const pi = k2 > 0 ? wi[m] / k2 : 0;
        const kx = this.#kx[i];
        // û = i ky ψ̂ ; i v̂ = i(-i kx ψ̂) = kx ψ̂
        re[m] = -ky * pi + kx * pr;
        im[m] = ky * pr + kx * pi;
      }
    }
    this.#fft.inverse(re, im);
  }

  #maxVelocity(): number {
    this.#velocity(this.#wRe, this.#wIm);
    let max = 0;
    for (let m = 0; m < this.#aRe.length; m += 1) {
      max = Math.max(max, Math.hypot(this.#aRe[m], this.#aIm[m]));
    }
    return max;
  }

  // d ω̂/dt into (#rhsRe, #rhsIm) for the spectral vorticity (wr, wi).
  #rhs(wr: Float64Array, wi: Float64Array): void {
    const { nx, ny } = this;
    this.#velocity(wr, wi); // u in aRe, v in aIm
    const gx = this.#bRe;
    const gy = this.#bIm;
    for (let j = 0; j < ny; j += 1) {
      const ky = this.#ky[j];
      for (let i = 0; i < nx; i += 1) {
        const m = j * nx + i;
        const kx = this.#kx[i];
        // ∂ω/∂x + i ∂ω/∂y, spectrally: i kx ω̂ + i (i ky ω̂)
        gx[m] = -kx * wi[m] - ky * wr[m];
        gy[m] = kx * wr[m] - ky * wi[m];
      }
    }
    this.#fft.inverse(gx, gy); // ω_x in bRe, ω_y in bIm
    const nr = this.#rhsRe;
    const ni = this.#rhsIm;
    for (let m = 0; m < nr.length; m += 1) {
      nr[m] = this.#aRe[m] * gx[m] + this.#aIm[m] * gy[m];
      ni[m] = 0;
    }
    this.#fft.forward(nr, ni);
    const nu = this.viscosity;
    for (let m = 0; m < nr.length; m += 1) {
      if (this.#keep[m] === 0) {
        nr[m] = 0;
        ni[m] = 0;
      } else {
        nr[m] = -nr[m] - nu * this.#k2[m] * wr[m];
        ni[m] = -ni[m] - nu * this.#k2[m] * wi[m];
      }
    }
  }

  /** Advances one RK4 step of size dt. */
  advance(): void {
    const dt = this.dt;
    const w = [this.#wRe, this.#wIm] as const;
    const s = [this.#stageRe, this.#stageIm] as const;
    const acc = [this.#accRe, this.#accIm] as const;
    const r = [this.#rhsRe, this.#rhsIm] as const;
    const stages = [0.5, 0.5, 1] as const;
    const weights = [1 / 6, 1 / 3, 1 / 3, 1 / 6] as const;
    this.#rhs(w[0], w[1]);
    for (let c = 0; c < 2; c += 1) {
      for (let m = 0; m < w[c].length; m += 1) {
        acc[c][m] = w[c][m] + dt * weights[0] * r[c][m];
        s[c][m] = w[c][m] + dt * stages[0] * r[c][m];
      }
    }
    for (let k = 1; k < 4; k += 1) {
      this.#rhs(s[0], s[1]);
      for (let c = 0; c < 2; c += 1) {
        for (let m = 0; m < w[c].length; m += 1) {
          acc[c][m] += dt * weights[k] * r[c][m];
          if (k < 3) s[c][m] = w[c][m] + dt * stages[k] * r[c][m];
        }
      }
    }
    this.#wRe.set(this.#accRe);
    this.#wIm.set(this.#accIm);
    this.step += 1;
    this.time = this.step * dt;
  }

  /**
   * Velocity, pressure and vorticity on the grid at the current time, as
   * float32, and the diagnostics of the same state computed in float64.
   * `into`: arrays of nx*ny values to write the fields into instead of new
   * ones, e.g. the columns of a LoanedFrame (the engine's own buffers: the
   * fields are then computed where they are encoded, with no copy).
   */
  sample(into?: Fields): { fields: Fields; diagnostics: Diagnostics } {
    const { nx, ny } = this;
    const size = nx * ny;
    const out: Fields = into ?? {
      vx: new Float32Array(size),
      vy: new Float32Array(size),
      p: new Float32Array(size),
      vorticity: new Float32Array(size),
    };
    this.#velocity(this.#wRe, this.#wIm);
    out.vx.set(this.#aRe);
    out.vy.set(this.#aIm);
    let energy = 0;
    let maxVelocity = 0;
    for (let m = 0; m < size; m += 1) {
      const u = this.#aRe[m];
      const v = this.#aIm[m];
      energy += 0.5 * (u * u + v * v);
      maxVelocity = Math.max(maxVelocity, Math.hypot(u, v));
    }
    // ω itself, from its spectrum.
    const wr = this.#bRe;
    const wi = this.#bIm;
    wr.set(this.#wRe);
    wi.set(this.#wIm);
    this.#fft.inverse(wr, wi);
    out.vorticity.set(wr);
    let enstrophy = 0;
    for (let m = 0; m < size; m += 1) enstrophy += 0.5 * wr[m] * wr[m];
    // Pressure: ∇²p = -Q with Q = u_x² + 2 u_y v_x + v_y² (incompressible),
    // so p̂ = Q̂ / k². Velocity gradients from û = i ky ψ̂, v̂ = -i kx ψ̂.
    const uxRe = this.#stageRe;
    const uxIm = this.#stageIm; // u_x + i u_y
    const vxRe = this.#accRe;
    const vxIm = this.#accIm; // v_x (+ i·0)
    for (let j = 0; j < ny; j += 1) {
      const ky = this.#ky[j];
      for (let i = 0; i < nx; i += 1) {
        const m = j * nx + i;
        const kx = this.#kx[i];
        const k2 = this.#k2[m];
        const pr = k2 > 0 ? this.#wRe[m] / k2 : 0;
        const pi = k2 > 0 ? this.#wIm[m] / k2 : 0;
        // û = i ky ψ̂ = (-ky pi) + i (ky pr)
        const ur = -ky * pi;
        const ui = ky * pr;
        // u_x = i kx û, u_y = i ky û; pack u_x + i u_y
        const uxr = -kx * ui;
        const uxi = kx * ur;
        const uyr = -ky * ui;
        const uyi = ky * ur;
        uxRe[m] = uxr - uyi;
        uxIm[m] = uxi + uyr;
        // v̂ = -i kx ψ̂ = (kx pi) + i (-kx pr); v_x = i kx v̂
        const vr = kx * pi;
        const vi = -kx * pr;
        vxRe[m] = -kx * vi;
        vxIm[m] = kx * vr;
      }
    }
    this.#fft.inverse(uxRe, uxIm);
    this.#fft.inverse(vxRe, vxIm);
    const qr = this.#rhsRe;
    const qi = this.#rhsIm;
    for (let m = 0; m < size; m += 1) {
      const ux = uxRe[m];
      const uy = uxIm[m];
      const vx = vxRe[m];
      const vy = -ux; // incompressible
      qr[m] = ux * ux + 2 * uy * vx + vy * vy;
      qi[m] = 0;
    }
    this.#fft.forward(qr, qi);
    for (let m = 0; m < size; m += 1) {
      const k2 = this.#k2[m];
      qr[m] = k2 > 0 ? qr[m] / k2 : 0;
      qi[m] = k2 > 0 ? qi[m] / k2 : 0;
    }
    this.#fft.inverse(qr, qi);
    out.p.set(qr);
    const diagnostics: Diagnostics = {
      energy: energy / size,
      enstrophy: enstrophy / size,
      maxVelocity,
      cfl: (maxVelocity * this.dt) / this.dx,
      dt: this.dt,
    };
    return { fields: out, diagnostics };
  }
}
