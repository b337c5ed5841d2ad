import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';

/**
 * Checks for message catalogs in two languages (the pane's and the server's): what would show a raw key, a
 * broken message or a missing value to a user of one language only.
 */
export type TwoLanguages = Record<'en-US' | 'it-IT', Record<string, string>>;

/**
 * What a message needs from its caller: every argument's name, and for each select the keys it handles, so
 * a select branch missing in one language (which falls to `other` there) is found too.
 */
export function argumentsOf(message: string, selectKeys = true): string[] {
  const found = new Set<string>();
  const walk = (elements: MessageFormatElement[]) => {
    for (const e of elements) {
      if (e.type === TYPE.literal || e.type === TYPE.pound) continue;
      if (e.type === TYPE.tag) {
        found.add(`<${e.value}>`);
        walk(e.children);
        continue;
      }
      found.add(e.value);
      if (e.type === TYPE.select || e.type === TYPE.plural) {
        for (const [key, option] of Object.entries(e.options)) {
          if (e.type === TYPE.select && selectKeys) found.add(`${e.value}=${key}`);
          walk(option.value);
        }
      }
    }
  };
  walk(parse(message));
  return [...found].sort();
}

/**
 * Every problem of one catalog, as readable lines (an empty list when it is sound). `selectKeys: false` for a
 * catalog where one language passes a value through (`{code, select, other {{detail}}}`) that the other spells out.
 */
export function catalogProblems(catalog: TwoLanguages, options: { selectKeys?: boolean } = {}): string[] {
  const problems: string[] = [];
  const en = catalog['en-US'];
  const it = catalog['it-IT'];
  const keys = new Set([...Object.keys(en), ...Object.keys(it)]);
  for (const key of keys) {
    const pair = { 'en-US': en[key], 'it-IT': it[key] };
    const args: Partial<Record<string, string[]>> = {};
    for (const [language, message] of Object.entries(pair)) {
      if (message === undefined) problems.push(`${key}: missing in ${language}`);
      else if (message.trim() === '') problems.push(`${key}: empty in ${language}`);
      else {
        try {
          args[language] = argumentsOf(message, options.selectKeys ?? true);
        } catch (error) {
          problems.push(`${key}: not ICU in ${language} (${String(error)})`);
        }
      }
    }
    if (args['en-US'] && args['it-IT'] && args['en-US'].join() !== args['it-IT'].join()) {
      problems.push(`${key}: placeholders differ (en-US: ${args['en-US'].join(', ')}; it-IT: ${args['it-IT'].join(', ')})`);
    }
  }
  return problems;
}
