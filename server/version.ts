import fs from 'node:fs';
import path from 'node:path';

/**
 * Relaydesk's version, from the package.json of the installation: found by walking up from this file, so it
 * answers the same whether the server runs from its TypeScript sources (tsx) or compiled into dist/.
 */
let cached: string | undefined;

export function relaydeskVersion(): string {
  if (cached !== undefined) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'relaydesk' && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      // No (readable) package.json here: look further up.
    }
    if (path.dirname(dir) === dir) return (cached = 'unknown');
  }
}
