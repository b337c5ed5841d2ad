import type { Request, Response } from 'express';

/**
 * A ticket's version as an HTTP entity tag: strong, a quoted integer (`"7"`). The task pane polls with
 * If-None-Match (304 while nothing changed) and writes with If-Match (412 when someone else wrote first).
 */

export function setVersionTag(res: Response, version: number): void {
  res.setHeader('ETag', `"${version}"`);
}

/** The tags of an If-Match or If-None-Match list, `*` as itself; weak tags keep their `W/`. */
function tagsOf(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
}

/**
 * The versions a write may apply to, from If-Match: undefined when the header is absent or `*` (the ticket
 * exists: last writer wins). Comparison is strong (RFC 9110 13.1.1): a weak or malformed tag matches no
 * version, so such a write is refused as made on a stale view rather than applied blindly.
 */
export function ifMatchVersions(req: Request): number[] | undefined {
  const tags = tagsOf(req.get('If-Match'));
  if (tags.length === 0 || tags.includes('*')) return undefined;
  return tags.flatMap((tag) => {
    const match = /^"(\d{1,15})"$/.exec(tag);
    return match ? [Number(match[1])] : [];
  });
}

/** Whether If-None-Match already names this version (weak comparison, as RFC 9110 13.1.2 asks): then 304. */
export function notModified(req: Request, version: number): boolean {
  const tags = tagsOf(req.get('If-None-Match'));
  return tags.includes('*') || tags.some((tag) => tag.replace(/^W\//, '') === `"${version}"`);
}
