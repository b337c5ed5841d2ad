import sanitizeHtml from 'sanitize-html';
import { cleanText } from './inbound-mail';

// The HTML of inbound mail: sanitized for agents to read, and turned into the plain text that reply
// extraction and search work on.

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
  const clean = sanitizeHtml(cleanText(html), HTML_TO_TEXT_OPTIONS);
  const out = new TextLines();
  const lists: { ordered: boolean; n: number }[] = [];
  let link: { href: string; start: number; line: number } | null = null;
  let pre = 0;
  let last = 0;
  for (const tag of clean.matchAll(/<(\/?)([a-z][a-z0-9]*)([^>]*)>/g)) {
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
  return out.render();
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
};

/** Builds text line by line; each line remembers its blockquote depth (rendered as `> `) and whether it is <pre>. */
class TextLines {
  private readonly lines: { depth: number; pre: boolean; text: string }[] = [];
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
    const rendered = all.map(({ depth, pre, text }) => `${'> '.repeat(depth)}${pre ? text : text.trim()}`.trimEnd());
    return rendered.join('\n').replace(/\n{3,}/g, '\n\n').trim();
  }

  private flushPending(): void {
    if (this.pending === 0) return;
    if (this.current !== '' || this.lines.length > 0) {
      this.lines.push({ depth: this.currentDepth, pre: this.currentPre, text: this.current });
      if (this.pending === 2) this.lines.push({ depth: Math.min(this.currentDepth, this.depth), pre: false, text: '' });
    }
    this.current = '';
    this.pending = 0;
  }
}

function unescapeHtml(text: string): string {
  return text.replace(/&(lt|gt|quot|#39|amp);/g, (entity) => HTML_ESCAPES[entity] ?? entity);
}

const HTML_ESCAPES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&amp;': '&' };
