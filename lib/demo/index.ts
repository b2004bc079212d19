// `simingest/demo`: the built-in solver behind `simingest demo`, usable on its own.
export { Fft, Fft2d } from './fft.js';
export { NavierStokes2d, type Diagnostics, type Fields, type SolverOptions } from './navier_stokes.js';
export { runDemo, demoConfig, type DemoOptions, type DemoResult } from './run.js';
export { DemoProgress, type ProgressPoint } from './progress.js';
