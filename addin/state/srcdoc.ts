/**
 * The document a customer's HTML email is shown in: an iframe's srcdoc, with its own Content-Security-Policy.
 * The server already sanitized the HTML; this is the second wall. The frame is sandboxed with no permissions
 * (no scripts, an opaque origin), and the policy here blocks every fetch except inline styles and data:
 * images, so opening an email does not tell a sender (tracking pixels) that it was read. "Show images" adds
 * https: images on the agent's request; plain http: images stay blocked (mixed content in the pane).
 */
export function commentSrcdoc(html: string, showImages: boolean): string {
  const images = showImages ? 'data: cid: https:' : 'data: cid:';
  const policy = `default-src 'none'; style-src 'unsafe-inline'; img-src ${images}`;
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${policy}">`,
    '<meta name="referrer" content="no-referrer">',
    '<style>body{margin:8px;font:14px/1.4 "Segoe UI",system-ui,sans-serif;overflow-wrap:anywhere}img{max-width:100%;height:auto}</style>',
    '</head><body>',
    html,
    '</body></html>',
  ].join('');
}

/** The HTML asks for something over the network (an image, a background): only then is "Show images" offered. */
export function hasRemoteContent(html: string): boolean {
  return /\b(?:src|srcset|background|poster)\s*=\s*["']?\s*(?:https?:)?\/\//i.test(html) || /url\(\s*["']?\s*(?:https?:)?\/\//i.test(html);
}

/**
 * A height for the frame from the text's length, as a frame without same-origin access cannot be measured:
 * short emails get a short frame, long ones scroll inside MAX_FRAME_PX (the agent can drag it taller).
 */
export const MIN_FRAME_PX = 96;
export const MAX_FRAME_PX = 360;
export function frameHeight(bodyText: string): number {
  const lines = bodyText.split('\n').reduce((n, line) => n + Math.max(1, Math.ceil(line.length / 60)), 0);
  return Math.min(MAX_FRAME_PX, Math.max(MIN_FRAME_PX, lines * 20 + 24));
}
