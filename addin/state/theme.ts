/**
 * Light or dark from Office's theme colours (Office.context.officeTheme.bodyBackgroundColor, "#rrggbb"): dark
 * when white text would contrast more with the background than black text (WCAG relative luminance below
 * about 0.18). Unknown or malformed colours mean light, Fluent's default.
 */
export type PaneTheme = 'light' | 'dark';

const DARK_BELOW = Math.sqrt(0.0525) - 0.05;

export function themeOf(bodyBackgroundColor: string | null | undefined): PaneTheme {
  const match = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(bodyBackgroundColor?.trim() ?? '');
  if (!match?.[1]) return 'light';
  const hex = match[1].length === 3 ? [...match[1]].map((c) => c + c).join('') : match[1];
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
  // (L + 0.05) / 0.05 > 1.05 / (L + 0.05)  <=>  L < sqrt(0.0525) - 0.05 ≈ 0.179
  return luminance < DARK_BELOW ? 'dark' : 'light';
}
