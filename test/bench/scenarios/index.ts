import { addinScenario } from './addin';
import { apiScenario } from './api';
import { ingestScenario } from './ingest';
import { pushScenario } from './push';
import { relayScenario } from './relay';
import type { Scenario } from './scenario';

/** Every scenario, in the order `--scenario all` runs them. */
export const SCENARIOS: readonly Scenario[] = [ingestScenario, relayScenario, addinScenario, pushScenario, apiScenario];
