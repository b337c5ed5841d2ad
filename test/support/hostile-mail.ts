/**
 * Messages built to hurt a mail reader, as raw MIME. Each is a class of attack, sized as an attacker would:
 * nesting that makes parsers quadratic or blows the stack, a single line too long for any regex to be
 * careless with, MIME trees deeper than anything a mailer writes, and header blocks of a megabyte.
 */

export type HostileKind = 'nested-blockquotes' | 'single-line-html' | 'nested-multiparts' | 'megabyte-header';

export const HOSTILE_KINDS: readonly HostileKind[] = ['nested-blockquotes', 'single-line-html', 'nested-multiparts', 'megabyte-header'];

function envelope(kind: string, id: string, extraHeaders = ''): string {
  return [
    `From: Mallory <mallory-${id}@attacker.example>`,
    'To: support@contoso.test',
    `Subject: hostile ${kind} ${id}`,
    `Message-ID: <hostile-${kind}-${id}@attacker.example>`,
    'Date: Wed, 02 Dec 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    extraHeaders,
  ]
    .filter(Boolean)
    .join('\r\n');
}

/** The HTML of the first attack: 50,000 nested blockquotes, then 50,000 lines (about 850 KB). */
export function nestedBlockquotesHtml(depth = 50_000): string {
  return `<html><body>${'<blockquote>'.repeat(depth)}${'x<br>'.repeat(depth)}</body></html>`;
}

/** 10 MB of HTML on one line: no line break for a line-based scanner to stop at. */
export function singleLineHtml(bytes = 10 * 1024 * 1024): string {
  const unit = '<span>word</span> ';
  return `<html><body><p>${unit.repeat(Math.ceil(bytes / unit.length))}</p></body></html>`;
}

export function hostileMime(kind: HostileKind, id: string): Buffer {
  switch (kind) {
    case 'nested-blockquotes':
      return Buffer.from(`${envelope(kind, id, 'Content-Type: text/html; charset=utf-8')}\r\n\r\n${nestedBlockquotesHtml()}\r\n`);
    case 'single-line-html':
      return Buffer.from(`${envelope(kind, id, 'Content-Type: text/html; charset=utf-8')}\r\n\r\n${singleLineHtml()}\r\n`);
    case 'nested-multiparts':
      return nestedMultiparts(kind, id, 5_000);
    case 'megabyte-header':
      return Buffer.from(`${envelope(kind, id, `X-Padding: ${'a'.repeat(1024 * 1024)}\r\nContent-Type: text/plain; charset=utf-8`)}\r\n\r\nA short body under a long header.\r\n`);
  }
}

/** `depth` multiparts, each the only child of the one above, with a text part at the bottom. */
function nestedMultiparts(kind: string, id: string, depth: number): Buffer {
  const open: string[] = [];
  const close: string[] = [];
  for (let i = 0; i < depth; i++) {
    open.push(`Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`);
    close.unshift(`\r\n--b${i}--\r\n`);
  }
  const headers = envelope(kind, id);
  return Buffer.from(`${headers}\r\n${open.join('')}Content-Type: text/plain\r\n\r\nthe bottom${close.join('')}`);
}
