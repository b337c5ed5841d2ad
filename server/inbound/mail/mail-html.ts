import sanitizeHtml from 'sanitize-html';
import { cleanText, MAX_TEXT_CHARS, truncationMarker } from '../inbound-mail';

// The HTML of inbound mail: sanitized for agents to read, and turned into the plain text that reply
// extraction and search work on. Every step is bounded: the HTML read, its nesting, the text written.

/**
 * HTML beyond this many characters is not read (the text says where it was cut). Sanitizing is linear, but
 * a 10 MB single-line body is still seconds of work for a page nobody reads to the end.
 */
export const MAX_HTML_INPUT_CHARS = 1_000_000;
/**
 * Deeper nesting is not markup a person wrote: browsers flatten past 512 levels, and htmlparser2's open
 * element stack makes parsing quadratic in depth. Such HTML is shown as its text only.
 */
export const MAX_HTML_NESTING_DEPTH = 256;
/** Quote prefixes rendered per line (`> > > `): deeper quotes are still quotes, no longer longer lines. */
export const MAX_QUOTE_PREFIX_DEPTH = 16;

/** Sender HTML, bounded: the sanitized HTML to show (null when it cannot be shown) and its plain text. */
export interface MailBody {
  text: string;
  html: string | null;
}

/**
 * The one entry for an HTML body: cut at MAX_HTML_INPUT_CHARS, refused as HTML past MAX_HTML_NESTING_DEPTH
 * (its tags stripped in one linear pass instead), sanitized, and converted to text of at most MAX_TEXT_CHARS.
 */
export function htmlBody(input: string): MailBody {
  const unread = Math.max(0, input.length - MAX_HTML_INPUT_CHARS);
  const html = cleanText(unread > 0 ? input.slice(0, MAX_HTML_INPUT_CHARS) : input);
  if (nestingExceeds(html, MAX_HTML_NESTING_DEPTH)) {
    const stripped = stripTags(html);
    const kept = stripped.slice(0, MAX_TEXT_CHARS);
    return { text: `${kept}${cutMarker(stripped.length - kept.length + unread)}${TOO_DEEP_MARKER}`, html: null };
  }
  const sanitized = sanitizeMailHtml(html);
  const { text, dropped } = renderText(html);
  const marker = cutMarker(dropped + unread);
  return { text: `${text}${marker}`, html: unread > 0 ? `${sanitized}<p>${escapeHtml(marker.trim())}</p>` : sanitized };
}

function cutMarker(droppedChars: number): string {
  return droppedChars > 0 ? truncationMarker(droppedChars) : '';
}

/** Shown in place of HTML too deeply nested to render. */
export const TOO_DEEP_MARKER = `\n\n[Relaydesk: this message's HTML is nested more than ${MAX_HTML_NESTING_DEPTH} levels deep; only its text is kept]`;


/** Tracking pixels are remote images this small; they are dropped rather than turned into links. */
const TRACKING_PIXEL_MAX_PX = 2;
const LINK_REL = 'noopener noreferrer nofollow';

/**
 * Makes sender HTML safe to show to agents: no scripts, styles, event handlers, forms or frames; links keep only
 * http(s)/mailto/tel; remote images (which would tell the sender when and where an agent read the mail) become
 * plain links, tracking pixels and data: images are dropped, cid: images (our own attachments) stay.
 */
export function sanitizeMailHtml(html: string): string {
  return sanitizeHtml(cleanText(html), SANITIZE_OPTIONS).replaceAll(DROPPED_IMAGE, '').trim();
}

const VOID_TAGS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
/** Closed implicitly by their next sibling, so an unclosed run of them is wide, not deep. */
const IMPLIED_END_TAGS = new Set(['p', 'li', 'dt', 'dd', 'option', 'optgroup', 'tr', 'td', 'th', 'thead', 'tbody', 'tfoot']);

/**
 * Whether elements nest deeper than `max`, in one pass with no regular expression. It over-counts rather
 * than under-counts (a stray end tag only closes its own name): a guard, not a parser.
 */
export function nestingExceeds(html: string, max: number): boolean {
  const open = new Map<string, number>();
  let depth = 0;
  for (let i = html.indexOf('<'); i >= 0 && i < html.length; i = html.indexOf('<', i + 1)) {
    const closing = html.charCodeAt(i + 1) === 0x2f;
    const start = closing ? i + 2 : i + 1;
    let end = start;
    while (end < html.length && isNameChar(html.charCodeAt(end))) end++;
    if (end === start) continue;
    const name = html.slice(start, end).toLowerCase();
    if (VOID_TAGS.has(name) || IMPLIED_END_TAGS.has(name)) continue;
    const count = open.get(name) ?? 0;
    if (closing) {
      if (count > 0) {
        open.set(name, count - 1);
        depth--;
      }
    } else {
      open.set(name, count + 1);
      if (++depth > max) return true;
    }
  }
  return false;
}

function isNameChar(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39) || code === 0x2d;
}

/** Text of HTML that cannot be parsed safely: tags and comments removed in one pass, entities of the five kinds undone. */
function stripTags(html: string): string {
  let out = '';
  let last = 0;
  for (let i = html.indexOf('<'); i >= 0; i = html.indexOf('<', last)) {
    out += html.slice(last, i);
    const close = html.startsWith('<!--', i) ? html.indexOf('-->', i + 4) : html.indexOf('>', i + 1);
    if (close < 0) {
      last = html.length;
      break;
    }
    const tag = html.slice(i + 1, Math.min(close, i + 12)).toLowerCase();
    if (/^\/?(br|p|div|blockquote|tr|li|h\d)\b/.test(tag)) out += '\n';
    last = close + (html.startsWith('<!--', i) ? 3 : 1);
    if (out.length > MAX_TEXT_CHARS) break;
  }
  if (last < html.length && out.length <= MAX_TEXT_CHARS) out += html.slice(last);
  return unescapeHtml(out).replace(/[ \t\u00a0]+/g, ' ').replace(/(?<! ) *\n[\n ]*/g, (m) => (m.split('\n').length > 2 ? '\n\n' : '\n')).trim();
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

// sanitize-html serialises an img with no attributes exactly like this; text cannot contain it (it is escaped).
const DROPPED_IMAGE = '<img />';

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'font', 'center', 'u', 's', 'strike'],
  disallowedTagsMode: 'discard',
  // The text of these is code or metadata, never something the sender meant an agent to read.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'svg', 'math', 'template', 'iframe', 'object'],
  allowedAttributes: {
    a: ['href', 'title', 'name', 'rel', 'target'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    td: ['colspan', 'rowspan', 'align', 'valign'],
    th: ['colspan', 'rowspan', 'align', 'valign'],
    table: ['border', 'cellpadding', 'cellspacing'],
    ol: ['start', 'type'],
    blockquote: ['type', 'cite'],
    '*': ['dir', 'lang'],
  },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['cid'] },
  // A second line of defence behind htmlBody's depth check, for callers that sanitize directly.
  nestingLimit: MAX_HTML_NESTING_DEPTH,
  allowProtocolRelative: false,
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: LINK_REL, target: '_blank' } }),
    img: (tagName, attribs) => {
      const src = (attribs.src ?? '').trim();
      if (/^cid:/i.test(src)) return { tagName, attribs };
      if (/^https?:\/\//i.test(src) && !isTrackingPixel(attribs)) {
        return { tagName: 'a', attribs: { href: src, rel: LINK_REL, target: '_blank' }, text: attribs.alt?.trim() || src };
      }
      return { tagName: 'img', attribs: {} }; // removed as DROPPED_IMAGE
    },
  },
};

function isTrackingPixel(attribs: Record<string, string>): boolean {
  const width = Number.parseInt(attribs.width ?? '', 10);
  const height = Number.parseInt(attribs.height ?? '', 10);
  return (Number.isFinite(width) && width <= TRACKING_PIXEL_MAX_PX) || (Number.isFinite(height) && height <= TRACKING_PIXEL_MAX_PX);
}

/**
 * HTML -> plain text, synchronous and linear (so graph-to-inbound needs no second parse), used for both the MIME
 * and the Graph path so the two give the same text. Paragraphs become blank lines, blockquotes `> ` prefixes (the
 * reply-text extractor relies on them), list items `- ` / `1. `, and a link keeps its URL as `text <url>`.
 * It walks sanitize-html's own output, which is normalised (lower-case tags, quoted and escaped attributes).
 */
export function htmlToText(html: string): string {
  const { text, dropped } = renderText(html);
  return `${text}${cutMarker(dropped)}`;
}

/** The text, at most MAX_TEXT_CHARS of it, and how many characters did not fit. */
function renderText(html: string): { text: string; dropped: number } {
  const clean = sanitizeHtml(cleanText(html), HTML_TO_TEXT_OPTIONS);
  const out = new TextLines();
  const lists: { ordered: boolean; n: number }[] = [];
  let link: { href: string; start: number; line: number } | null = null;
  let pre = 0;
  let last = 0;
  for (const tag of clean.matchAll(/<(\/?)([a-z][a-z0-9]*)(?![a-z0-9])([^<>]*)>/g)) {
    out.text(unescapeHtml(clean.slice(last, tag.index)), pre > 0 ? 'pre' : 'flow');
    last = tag.index + tag[0].length;
    const closing = tag[1] === '/';
    const name = tag[2] ?? '';
    if (name === 'br') out.lineBreak();
    else if (name === 'pre') pre += closing ? -1 : 1;
    if (name === 'blockquote') out.quote(closing ? -1 : 1);
    else if (name === 'li' && !closing) {
      const list = lists[lists.length - 1];
      out.block(1);
      out.text(list?.ordered ? `${++list.n}. ` : '- ', 'literal');
    } else if (name === 'ol' || name === 'ul') {
      if (closing) lists.pop();
      else lists.push({ ordered: name === 'ol', n: 0 });
      out.block(lists.length > (closing ? 0 : 1) ? 1 : 2);
    } else if (name === 'td' || name === 'th') {
      if (closing) out.text(' ', 'literal');
    } else if (name === 'a') {
      if (!closing) link = { href: unescapeHtml(/\shref="([^"]*)"/.exec(tag[3] ?? '')?.[1] ?? ''), ...out.position() };
      else if (link) out.appendLink(link);
    } else if (BLOCK_TAGS.has(name)) out.block(PARAGRAPH_TAGS.has(name) ? 2 : 1);
  }
  out.text(unescapeHtml(clean.slice(last)), pre > 0 ? 'pre' : 'flow');
  return { text: out.render(), dropped: out.dropped };
}

const PARAGRAPH_TAGS = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'pre', 'hr', 'dl']);
const BLOCK_TAGS = new Set([...PARAGRAPH_TAGS, 'div', 'tr', 'center', 'dt', 'dd', 'section', 'article', 'header', 'footer', 'address', 'caption', 'figure', 'figcaption', 'main', 'nav', 'aside']);

const HTML_TO_TEXT_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...BLOCK_TAGS, 'br', 'a', 'td', 'th', 'li', 'ul', 'ol', 'blockquote'],
  allowedAttributes: { a: ['href'] },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  nonTextTags: SANITIZE_OPTIONS.nonTextTags ?? [],
  nestingLimit: MAX_HTML_NESTING_DEPTH,
};

/** Builds text line by line; each line remembers its blockquote depth (rendered as `> `) and whether it is <pre>. */
class TextLines {
  private readonly lines: { depth: number; pre: boolean; text: string }[] = [];
  /** Characters rendered so far (with quote prefixes): past MAX_TEXT_CHARS the rest is counted, not kept. */
  private size = 0;
  dropped = 0;
  private current = '';
  private currentDepth = 0;
  private currentPre = false;
  private depth = 0;
  /** Line breaks owed before the next text: 1 ends the line, 2 also leaves a blank line. */
  private pending = 0;

  /** `flow` collapses white space like a browser; `pre` keeps it; `literal` is markup we add (`- `, cell gaps). */
  text(value: string, mode: 'flow' | 'pre' | 'literal'): void {
    const parts = mode === 'pre' ? value.split('\n') : [mode === 'flow' ? value.replace(/[\s\u00a0]+/g, ' ') : value];
    parts.forEach((part, i) => {
      if (i > 0) this.lineBreak();
      if (part === '' || (mode === 'flow' && part === ' ' && (this.current === '' || this.pending > 0))) return;
      this.flushPending();
      if (mode === 'flow' && this.current === '') part = part.trimStart();
      if (mode === 'flow' && this.current.endsWith(' ') && part.startsWith(' ')) part = part.slice(1);
      if (this.current === '') {
        this.currentDepth = this.depth;
        this.currentPre = mode === 'pre';
      }
      const room = MAX_TEXT_CHARS - this.size - this.current.length;
      if (part.length > room) {
        this.dropped += part.length - Math.max(0, room);
        part = part.slice(0, Math.max(0, room));
      }
      this.current += part;
    });
  }

  lineBreak(): void {
    this.pending = Math.min(this.pending + 1, 2);
  }

  block(breaks: 1 | 2): void {
    this.pending = Math.max(this.pending, breaks);
  }

  quote(delta: 1 | -1): void {
    this.block(2);
    this.depth = Math.max(0, this.depth + delta);
  }

  position(): { start: number; line: number } {
    return { start: this.current.length, line: this.lines.length };
  }

  /** `text <url>` unless the text already is the URL (or the mailto address). */
  appendLink(link: { href: string; start: number; line: number }): void {
    if (!/^(https?|mailto):/i.test(link.href) || link.line !== this.lines.length) return;
    const label = this.current.slice(link.start).trim();
    const target = link.href.replace(/^mailto:/i, '');
    if (label !== link.href && label !== target) this.current += `${label ? ' ' : ''}<${target}>`;
  }

  render(): string {
    const all = [...this.lines, { depth: this.currentDepth, pre: this.currentPre, text: this.current }];
    const rendered = all.map(({ depth, pre, text }) => `${quotePrefix(depth)}${pre ? text : text.trim()}`.trimEnd());
    return rendered.join('\n').replace(/\n{3,}/g, '\n\n').trim();
  }

  private push(line: { depth: number; pre: boolean; text: string }): void {
    this.size += quotePrefix(line.depth).length + line.text.length + 1;
    if (this.size > MAX_TEXT_CHARS) this.dropped += line.text.length;
    else this.lines.push(line);
  }

  private flushPending(): void {
    if (this.pending === 0) return;
    if (this.current !== '' || this.lines.length > 0) {
      this.push({ depth: this.currentDepth, pre: this.currentPre, text: this.current });
      if (this.pending === 2) this.push({ depth: Math.min(this.currentDepth, this.depth), pre: false, text: '' });
    }
    this.current = '';
    this.pending = 0;
  }
}

function quotePrefix(depth: number): string {
  return '> '.repeat(Math.min(depth, MAX_QUOTE_PREFIX_DEPTH));
}

function unescapeHtml(text: string): string {
  return text.replace(/&(lt|gt|quot|#39|amp);/g, (entity) => HTML_ESCAPES[entity] ?? entity);
}

const HTML_ESCAPES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&amp;': '&' };
