import { addinScenario } from './addin';
import { ingestScenario } from './ingest';
import type { Scenario } from './scenario';

/** Every scenario, in the order `--scenario all` runs them. Add `relay` here when its file appears. */
export const SCENARIOS: readonly Scenario[] = [ingestScenario, addinScenario];
