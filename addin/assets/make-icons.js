#!/usr/bin/env node
/**
 * Draws the add-in's icons (a white envelope with a relay arrow on a Fluent brand-blue rounded square) as
 * PNGs in this folder: `node addin/assets/make-icons.js`. The PNGs are committed; rerun this after changing
 * the drawing. No image library: a few shapes, 4x4 supersampling, and a minimal PNG encoder (zlib + CRC-32).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

/** Sizes the manifest refers to: button icons 16/32/80, IconUrl 64, HighResolutionIconUrl 128. */
const SIZES = [16, 32, 64, 80, 128];
const BLUE = [15, 108, 189]; // Fluent brand background (#0F6CBD)
const WHITE = [255, 255, 255];
const SUPERSAMPLE = 4;

/** Coverage of the unit square at (x, y) in [0, 1]: which colour the point has, or null for transparent. */
function colourAt(x, y) {
  const r = 0.18; // corner radius of the tile
  const inTile = (() => {
    const cx = Math.min(Math.max(x, r), 1 - r);
    const cy = Math.min(Math.max(y, r), 1 - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  })();
  if (!inTile) return null;
  // Envelope body.
  const left = 0.2, right = 0.8, top = 0.3, bottom = 0.72, stroke = 0.06;
  const inBody = x >= left && x <= right && y >= top && y <= bottom;
  const onBorder = inBody && (x - left < stroke || right - x < stroke || y - top < stroke || bottom - y < stroke);
  // The flap: a V from the top corners to the centre.
  const mid = (left + right) / 2;
  const flapY = top + (Math.abs(x - mid) / (mid - left)) * -0.22 + 0.22;
  const onFlap = inBody && Math.abs(y - flapY) < stroke * 0.9;
  // Relay arrow under the envelope.
  const arrowY = 0.84;
  const onShaft = x >= 0.36 && x <= 0.6 && Math.abs(y - arrowY) < 0.03;
  const onHead = x >= 0.58 && x <= 0.7 && Math.abs(y - arrowY) <= (0.7 - x) * 0.8;
  return onBorder || onFlap || onShaft || onHead ? WHITE : BLUE;
}

function render(size) {
  const rgba = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const c = colourAt((px + (sx + 0.5) / SUPERSAMPLE) / size, (py + (sy + 0.5) / SUPERSAMPLE) / size);
          if (!c) continue;
          r += c[0]; g += c[1]; b += c[2]; a += 1;
        }
      }
      const i = (py * size + px) * 4;
      rgba[i] = a ? Math.round(r / a) : 0;
      rgba[i + 1] = a ? Math.round(g / a) : 0;
      rgba[i + 2] = a ? Math.round(b / a) : 0;
      rgba[i + 3] = Math.round((255 * a) / SUPERSAMPLE ** 2);
    }
  }
  return encodePng(size, size, rgba);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const rows = Buffer.alloc(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

for (const size of SIZES) {
  const file = path.join(__dirname, `icon-${size}.png`);
  fs.writeFileSync(file, render(size));
  process.stdout.write(`${path.relative(process.cwd(), file)}\n`);
}
