import type { Repositories, Store } from '../store/store';

/** Helpdesk-wide switches an admin can change. */
export interface HelpdeskSettings {
  ccsEnabled: boolean;
  followersEnabled: boolean;
}

const DEFAULTS: HelpdeskSettings = { ccsEnabled: true, followersEnabled: true };

export async function readSettings(repos: Repositories): Promise<HelpdeskSettings> {
  const stored = await repos.settings.all();
  return {
    ccsEnabled: typeof stored.ccsEnabled === 'boolean' ? stored.ccsEnabled : DEFAULTS.ccsEnabled,
    followersEnabled: typeof stored.followersEnabled === 'boolean' ? stored.followersEnabled : DEFAULTS.followersEnabled,
  };
}

export async function updateSettings(repos: Repositories, patch: Partial<HelpdeskSettings>, actor: string): Promise<HelpdeskSettings> {
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    await repos.settings.set(key, value, actor);
    await repos.audit.record({ actor, action: 'settings.changed', targetType: 'settings', targetId: key, details: { value } });
  }
  return readSettings(repos);
}

/** The settings as the API reads and changes them: each change commits with its audit entry. */
export class SettingsService {
  constructor(private readonly store: Store) {}

  read(): Promise<HelpdeskSettings> {
    return readSettings(this.store);
  }

  update(patch: Partial<HelpdeskSettings>, actor: string): Promise<HelpdeskSettings> {
    return this.store.transaction((repos) => updateSettings(repos, patch, actor));
  }
}
