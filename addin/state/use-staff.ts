import { useEffect, useState } from 'react';
import type { Agent } from '../api/types';
import type { PaneServices } from '../services';

/**
 * Who I am (GET /api/me) and who I can assign to (GET /api/agents), loaded once per sign-in. Failures leave
 * them null: the actions that need them stay disabled rather than guessing an id.
 */
export interface Staff {
  me: Agent | null;
  agents: Agent[] | null;
}

export function useStaff(api: PaneServices['api'], signedInAs: string | null): Staff {
  const [staff, setStaff] = useState<Staff>({ me: null, agents: null });
  useEffect(() => {
    if (!signedInAs) return;
    let gone = false;
    void Promise.allSettled([api.me(), api.agents()]).then(([me, agents]) => {
      if (gone) return;
      setStaff({ me: me.status === 'fulfilled' ? me.value : null, agents: agents.status === 'fulfilled' ? agents.value : null });
    });
    return () => {
      gone = true;
    };
  }, [api, signedInAs]);
  return staff;
}
