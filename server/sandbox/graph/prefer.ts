import type { GraphRequest } from './graph-types';

/** The Prefer header options Graph's mail API honours, and the Preference-Applied header that echoes them. */
export interface Preferences {
  bodyType?: 'text' | 'html';
  immutableIds: boolean;
  maxPageSize?: number;
  applied: string[];
}

export function readPreferences(req: GraphRequest): Preferences {
  const header = req.headers['prefer'] ?? '';
  const out: Preferences = { immutableIds: false, applied: [] };
  for (const part of header.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [rawKey = '', ...rest] = part.split('=');
    const key = rawKey.trim().toLowerCase();
    const value = rest.join('=').trim().replace(/^"|"$/g, '');
    if (key === 'outlook.body-content-type' && (value.toLowerCase() === 'text' || value.toLowerCase() === 'html')) {
      out.bodyType = value.toLowerCase() as 'text' | 'html';
      out.applied.push(`outlook.body-content-type="${out.bodyType}"`);
    } else if (key === 'idtype' && value.toLowerCase() === 'immutableid') {
      out.immutableIds = true;
      out.applied.push('IdType="ImmutableId"');
    } else if (key === 'odata.maxpagesize' && /^\d+$/.test(value) && Number(value) > 0) {
      out.maxPageSize = Number(value);
      out.applied.push(`odata.maxpagesize=${value}`);
    }
  }
  return out;
}

export function preferenceHeaders(p: Preferences, include: (applied: string) => boolean = () => true): Record<string, string> {
  const applied = p.applied.filter(include);
  return applied.length > 0 ? { 'Preference-Applied': applied.join(', ') } : {};
}
