import AxeBuilder from '@axe-core/playwright';
import type { Result } from 'axe-core';
import type { Page } from 'playwright-core';

/**
 * Accessibility checks for browser tests: axe-core (through @axe-core/playwright) on the page as it is now,
 * failing on every violation of impact serious or critical. Moderate and minor findings are reported by axe
 * too but do not fail a test: the gate is what blocks a keyboard or screen-reader user.
 *
 * Customer-written email HTML is shown inside sandboxed frames; its markup is not ours to fix (a newsletter's
 * image without alt text), so the inside of those frames is left out while the frame element itself (its
 * title) is still checked.
 *
 * One known false positive is dropped, node by node: Fluent UI v9's focus manager (tabster) puts
 * `<i tabindex="0" aria-hidden="true" data-tabster-dummy>` sentinels around tab lists and other arrow-key
 * groups. They only hand the focus on at once, and must stay hidden from screen readers, so axe's
 * aria-hidden-focus fires on them (microsoft/tabster#288, microsoft/fluentui#25133; Accessibility Insights
 * suppresses exactly these nodes too). Any other aria-hidden-focus node still fails.
 */

/** Impacts that fail a test. */
export const BLOCKING_IMPACTS: readonly string[] = ['serious', 'critical'];

/** Frames whose documents are customer content (the pane's sandboxed email bodies). */
export const CUSTOMER_CONTENT_FRAMES: readonly string[] = ['[data-testid="comment-html"]'];

export interface AxeCheckOptions {
  /** CSS selectors of parts to leave out (besides the inside of customer content frames). */
  exclude?: string[];
  /** axe rule ids to skip, each with a reason in the caller. */
  disableRules?: string[];
}

/** The blocking violations on `page`, as readable lines (empty: none). */
export async function blockingViolations(page: Page, options: AxeCheckOptions = {}): Promise<string[]> {
  // Only violations are read, so axe need not collect every passing node (its costliest part on a full page);
  // legacy mode runs axe once in the page instead of once per frame plus a finishing page: the frames left
  // are customer content (left out below) and same-origin ones are still checked.
  let builder = new AxeBuilder({ page }).options({ resultTypes: ['violations'] }).setLegacyMode(true);
  for (const frame of CUSTOMER_CONTENT_FRAMES) {
    // A frame path: the document inside the frame, not the <iframe> element.
    if ((await page.locator(frame).count()) > 0) builder = builder.exclude({ fromFrames: [frame, 'html'] });
  }
  for (const selector of options.exclude ?? []) builder = builder.exclude(selector);
  if (options.disableRules?.length) builder = builder.disableRules(options.disableRules);
  const results = await builder.analyze();
  return results.violations
    .map(withoutKnownFalsePositives)
    .filter((v) => v.nodes.length > 0 && BLOCKING_IMPACTS.includes(v.impact ?? ''))
    .map(describe);
}

/** The violation without the nodes that are tabster's focus sentinels (see above). */
function withoutKnownFalsePositives(v: Result): Result {
  if (v.id !== 'aria-hidden-focus') return v;
  return { ...v, nodes: v.nodes.filter((n) => !/^<i\b[^>]*\bdata-tabster-dummy\b/.test(n.html)) };
}

/** Fails with every serious or critical violation on `page`, naming `state` (e.g. "queue it-IT dark"). */
export async function expectAccessible(page: Page, state: string, options: AxeCheckOptions = {}): Promise<void> {
  const violations = await blockingViolations(page, options);
  if (violations.length > 0) throw new Error(`axe: ${violations.length} serious or critical violation(s) in ${state}:\n${violations.join('\n')}`);
}

function describe(v: Result): string {
  const nodes = v.nodes
    .slice(0, 5)
    .map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary?.replace(/\s+/g, ' ').trim() ?? ''}`)
    .join('\n');
  const more = v.nodes.length > 5 ? `\n    … and ${v.nodes.length - 5} more` : '';
  return `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes}${more}`;
}
