#!/usr/bin/env node
// prebuildify drives node-gyp; this stands in for node-gyp and builds with
// cmake-js instead (prebuildify passes `rebuild --target=… --arch=… --release`,
// which mean nothing to a Node-API build beyond "rebuild").
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = [path.join(root, 'scripts', 'build-addon.mjs'), '--config', 'Release'];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
