import type { Response } from 'express';

/**
 * Headers for a stored file a sender chose: its bytes must never run as a page of this origin (where the
 * agent's token lives). So the browser is told to download it (Content-Disposition: attachment), to believe
 * the type we send (nosniff), to run nothing of it even if it did render it (CSP sandbox), and the type we
 * send is the stored one only when it is one a browser does not execute.
 */

/** Types shown or handled without running code in this origin; anything else is sent as octet-stream. */
const SAFE_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/bmp',
  'image/tiff',
  'application/pdf',
  'text/plain',
  'text/csv',
  'text/calendar',
  'application/zip',
  'application/x-zip-compressed',
  'application/gzip',
  'application/x-7z-compressed',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/vnd.ms-outlook',
  'application/rtf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'message/rfc822',
  'audio/mpeg',
  'video/mp4',
]);

/** The Content-Type to send: the stored type when it is on the safe list, else application/octet-stream. */
export function downloadContentType(stored: string): string {
  const type = stored.split(';')[0]!.trim().toLowerCase();
  return SAFE_TYPES.has(type) ? type : 'application/octet-stream';
}

/**
 * `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266): the ASCII name for old
 * clients, the real one for the rest. Quotes, backslashes and control characters never reach the header.
 */
export function contentDisposition(filename: string): string {
  const clean = filename.replace(/[\u0000-\u001f\u007f]/g, '').trim() || 'attachment';
  const ascii = clean.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(clean).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

export function sendDownload(res: Response, file: { filename: string; contentType: string; content: Buffer }): void {
  res.setHeader('Content-Type', downloadContentType(file.contentType));
  res.setHeader('Content-Disposition', contentDisposition(file.filename));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('Content-Length', String(file.content.length));
  res.end(file.content);
}
