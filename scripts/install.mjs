// `npm install` of simingest: use the addon that loads here — a prebuild from
// prebuilds/<platform>-<arch>/ or an earlier build in build/Release — and
// otherwise build it from source with cmake-js (scripts/build-addon.mjs),
// saying so in one line instead of the loader's stack trace.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function addonLoads() {
  try {
    require(require('node-gyp-build').resolve(root));
    return true;
  } catch {
    return false;
  }
}

if (!addonLoads()) {
  console.log(`simingest: no prebuilt addon for ${process.platform}-${process.arch} (Node-API 8); ` +
              'building it from source with cmake-js (needs cmake, a C++17 compiler, libzstd-dev, nlohmann-json3-dev)');
  const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-addon.mjs')], { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  process.exit(result.status ?? 1);
}
