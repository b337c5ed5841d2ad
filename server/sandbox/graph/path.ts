/**
 * Normalises a Graph path below the version segment: decodes segments, turns OData key syntax
 * (`users('a@b.test')`, `mailFolders('inbox')`) into plain segments, and `me` into `users/@me`.
 */
export function parseGraphPath(path: string): { ok: true; rawPath: string; segments: string[] } | { ok: false; message: string } {
  const rawSegments = path.split('/').filter((s) => s !== '');
  const segments: string[] = [];
  for (const raw of rawSegments) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return { ok: false, message: `Invalid URL segment '${raw}'.` };
    }
    const key = /^([A-Za-z$@][\w.$@-]*)\(\s*'?(.*?)'?\s*\)$/s.exec(seg);
    if (key && key[1] && key[2] !== undefined) {
      segments.push(key[1], key[2].replace(/''/g, "'"));
    } else {
      segments.push(seg);
    }
  }
  if (segments[0]?.toLowerCase() === 'me') segments.splice(0, 1, 'users', '@me');
  return { ok: true, rawPath: `/${rawSegments.join('/')}`, segments };
}
