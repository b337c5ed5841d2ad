import type { Cleanup } from '../harness';
import type { ScenarioReport } from '../report';

/** What every scenario gets from the command line. */
export interface ScenarioOptions {
  messages: number;
  mailboxes: number;
  /** Epoch ms after which every loop of the scenario gives up. */
  deadline: number;
  /** Seed of the demo mail generators, so runs are comparable. */
  seed: number;
  /** Added by the sandbox to every Graph request of the measured phase (0: loopback speed). */
  graphLatencyMs: number;
  /** api: tickets in the database (undefined: the scenario's default). */
  tickets: number | undefined;
  /** api: how long each endpoint is measured, ms (undefined: the scenario's default). */
  durationMs: number | undefined;
  /** Progress lines (stderr), so a long run shows where it is. */
  log(line: string): void;
}

/**
 * A benchmark scenario: one file under scenarios/, listed in scenarios/index.ts. It registers everything it
 * starts (child processes, temp folders, stores) with `cleanup`, which the runner empties afterwards.
 */
export interface Scenario {
  name: string;
  description: string;
  /** Messages when --messages is not given (else the runner's default), e.g. what a paced scenario sends in minutes. */
  defaultMessages?: number;
  run(options: ScenarioOptions, cleanup: Cleanup): Promise<ScenarioReport>;
}
