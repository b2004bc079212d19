// The machine's state that the figures depend on but the engine does not
// control, measured at the start and the end of a run: what first-touching
// fresh memory costs (bench/first_touch_probe.cpp). A fresh engine buffer's
// first copy pays it on the host thread, so on a virtual machine whose guest
// memory is not yet backed by the hypervisor (4-5 ms per 2 MiB against 0.2 ms,
// docs/PERFORMANCE_ISSUE15.md) the back-to-back host costs (goal 5) and the
// Node event loop's delay (goal 6) measure the hypervisor as much as the host.
import path from 'node:path';

export function firstTouch(ctx) {
  try {
    return ctx.runJson(path.join(ctx.buildDir, 'bench', 'first_touch_probe'), ['256']);
  } catch (error) {
    return { failed: error.message };
  }
}

export function describeFirstTouch(probe) {
  if (!probe || probe.failed) return `first touch of fresh memory not measured${probe?.failed ? ` (${probe.failed})` : ''}`;
  return `first touch of ${probe.mib} MiB of fresh memory ${probe.firstTouchMsPer2MiB.toFixed(2)} ms per 2 MiB ` +
         `(worst ${probe.worstFirstTouchMs.toFixed(2)} ms; written again ${probe.rewriteMsPer2MiB.toFixed(2)} ms)`;
}
