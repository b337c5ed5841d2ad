#!/usr/bin/env node
/**
 * Builds the add-in into dist/addin/ unless the build there is current: `node addin/build-if-stale.js`
 * (meant for `prestart`, so a fresh clone's `npm start` serves the pane without a 10-second build on every
 * start). Current means: dist/addin/build-info.json exists, is newer than every file under addin/, manifest.xml,
 * webpack.config.js and package-lock.json, and was built for the same PUBLIC_ORIGIN. `--force` always builds.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'dist', 'addin');
const INPUTS = [path.join(ROOT, 'addin'), path.join(ROOT, 'manifest.xml'), path.join(ROOT, 'webpack.config.js'), path.join(ROOT, 'package-lock.json')];

function newestMtime(file) {
  let stat;
  try {
    stat = fs.statSync(file);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(file).reduce((max, name) => Math.max(max, newestMtime(path.join(file, name))), stat.mtimeMs);
}

function staleReason(origin) {
  const infoFile = path.join(OUT, 'build-info.json');
  let info;
  try {
    info = JSON.parse(fs.readFileSync(infoFile, 'utf8'));
  } catch {
    return 'no build yet';
  }
  if (info.origin !== origin) return `built for ${info.origin}, PUBLIC_ORIGIN is ${origin}`;
  const built = fs.statSync(infoFile).mtimeMs;
  const changed = INPUTS.find((input) => newestMtime(input) > built);
  return changed ? `${path.relative(ROOT, changed)} changed since the last build` : null;
}

function main() {
  const configure = require(path.join(ROOT, 'webpack.config.js'));
  const origin = configure.originOf(process.env.PUBLIC_ORIGIN || configure.DEV_ORIGIN, 'PUBLIC_ORIGIN');
  const reason = process.argv.includes('--force') ? 'forced' : staleReason(origin);
  if (!reason) {
    process.stdout.write(`add-in: dist/addin is current (${origin})\n`);
    return;
  }
  process.stdout.write(`add-in: building dist/addin for ${origin} (${reason})\n`);
  const webpack = require('webpack');
  const compiler = webpack(configure({ outDir: OUT, publicOrigin: origin }, { mode: 'production' }));
  compiler.run((error, stats) => {
    compiler.close(() => undefined);
    if (error || stats.hasErrors()) {
      process.stderr.write(`add-in: build failed\n${error ? error.stack : stats.toString('errors-only')}\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`add-in: built in ${((stats.endTime - stats.startTime) / 1000).toFixed(1)} s\n`);
  });
}

main();
