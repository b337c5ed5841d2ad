#!/usr/bin/env node
/**
 * Copies the files under server/ that tsc does not emit (anything but TypeScript and Markdown: a page
 * template, a static file) into dist/server/, beside the compiled modules that read them through __dirname.
 * Run by `npm run build:server` after tsc, so the compiled server finds what the TypeScript sources find.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SOURCE = path.join(ROOT, 'server');
const TARGET = path.join(ROOT, 'dist', 'server');
/**
 * TypeScript is tsc's to emit; Markdown is documentation; a `-dev.cjs` entry loads TypeScript through tsx,
 * which the compiled server never does (it loads the compiled module instead).
 */
const SKIP = /(\.(ts|tsx|mts|cts|md)|-dev\.cjs)$/;

function copyAssets(from, to) {
  let copied = 0;
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      copied += copyAssets(source, target);
    } else if (entry.isFile() && !SKIP.test(entry.name)) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(source, target);
      copied++;
    }
  }
  return copied;
}

const copied = copyAssets(SOURCE, TARGET);
process.stdout.write(`server: ${copied} non-TypeScript file(s) copied to ${path.relative(ROOT, TARGET)}\n`);
