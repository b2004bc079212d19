// Iterative radix-2 complex FFT on split real/imaginary arrays, and the 2D
// transform built from it. Unnormalised forward transform
// X[k] = sum_j x[j] exp(-2 pi i jk/n); the inverse divides by n.

export class Fft {
  readonly n: number;
  readonly #reversed: Uint32Array;
  readonly #cos: Float64Array;
  readonly #sin: Float64Array;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1 || (n & (n - 1)) !== 0) {
      throw new RangeError(`FFT length must be a power of two, got ${n}`);
    }
    this.n = n;
    const bits = Math.log2(n);
    this.#reversed = new Uint32Array(n);
    for (let i = 0; i < n; i += 1) {
      let r = 0;
      for (let b = 0; b < bits; b += 1) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.#reversed[i] = r;
    }
    this.#cos = new Float64Array(n / 2);
    this.#sin = new Float64Array(n / 2);
    for (let k = 0; k < n / 2; k += 1) {
      this.#cos[k] = Math.cos((2 * Math.PI * k) / n);
      this.#sin[k] = Math.sin((2 * Math.PI * k) / n);
    }
  }

  /** In place on re[offset .. offset+n), im[...]. `inverse` flips the sign, without scaling. */
  transform(re: Float64Array, im: Float64Array, inverse: boolean, offset = 0): void {
    const n = this.n;
    const reversed = this.#reversed;
    for (let i = 0; i < n; i += 1) {
      const j = reversed[i];
      if (j > i) {
        const a = offset + i;
        const b = offset + j;
        const tr = re[a];
        re[a] = re[b];
        re[b] = tr;
        const ti = im[a];
        im[a] = im[b];
        im[b] = ti;
      }
    }
    const sign = inverse ? 1 : -1;
    for (let size = 2; size <= n; size *= 2) {
      const half = size / 2;
      const stride = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < half; k += 1) {
          const wr = this.#cos[k * stride];
          const wi = sign * this.#sin[k * stride];
          const a = offset + start + k;
          const b = a + half;
          const br = re[b];
          const bi = im[b];
          const tr = br * wr - bi * wi;
          const ti = br * wi + bi * wr;
          const ar = re[a];
          const ai = im[a];
          re[b] = ar - tr;
          im[b] = ai - ti;
          re[a] = ar + tr;
          im[a] = ai + ti;
        }
      }
    }
  }
}

/** 2D FFT of row-major nx-by-ny data (index j * nx + i, x fastest). */
export class Fft2d {
  readonly nx: number;
  readonly ny: number;
  readonly #rows: Fft;
  readonly #columns: Fft;
  readonly #columnRe: Float64Array;
  readonly #columnIm: Float64Array;

  constructor(nx: number, ny: number) {
    this.nx = nx;
    this.ny = ny;
    this.#rows = new Fft(nx);
    this.#columns = new Fft(ny);
    this.#columnRe = new Float64Array(ny);
    this.#columnIm = new Float64Array(ny);
  }

  forward(re: Float64Array, im: Float64Array): void {
    this.#transform(re, im, false);
  }

  /** Inverse transform including the 1/(nx*ny) normalisation. */
  inverse(re: Float64Array, im: Float64Array): void {
    this.#transform(re, im, true);
    const scale = 1 / (this.nx * this.ny);
    for (let k = 0; k < re.length; k += 1) {
      re[k] *= scale;
      im[k] *= scale;
    }
  }

  #transform(re: Float64Array, im: Float64Array, inverse: boolean): void {
    const { nx, ny } = this;
    for (let j = 0; j < ny; j += 1) this.#rows.transform(re, im, inverse, j * nx);
    const cr = this.#columnRe;
    const ci = this.#columnIm;
    for (let i = 0; i < nx; i += 1) {
      for (let j = 0; j < ny; j += 1) {
        cr[j] = re[j * nx + i];
        ci[j] = im[j * nx + i];
      }
      this.#columns.transform(cr, ci, inverse);
      for (let j = 0; j < ny; j += 1) {
        re[j * nx + i] = cr[j];
        im[j * nx + i] = ci[j];
      }
    }
  }
}
