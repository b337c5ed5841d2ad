import { attachmentsToSend, MAX_TOTAL_BYTES, type AttachmentInfo } from '../../../addin/state/attachments-to-send';
import { creationPlan } from '../../../addin/state/create-ticket';
import { commentSrcdoc, frameHeight, hasRemoteContent, MAX_FRAME_PX, MIN_FRAME_PX } from '../../../addin/state/srcdoc';
import { themeOf } from '../../../addin/state/theme';

/** The sandboxed email document, Office's theme as light/dark, and what "Create ticket" copies and asks. */

const policyOf = (doc: string) => /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(doc)?.[1];

it('blocks remote images until asked, and never allows scripts or other fetches', () => {
  const blocked = policyOf(commentSrcdoc('<p>hi</p>', false));
  expect(blocked).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data: cid:");
  const shown = policyOf(commentSrcdoc('<p>hi</p>', true));
  expect(shown).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data: cid: https:");
  expect(shown).not.toMatch(/script-src|http:/);
});

it('puts the policy before the email, so the email cannot come first with its own <meta>', () => {
  const doc = commentSrcdoc('<meta http-equiv="Content-Security-Policy" content="img-src *"><p>x</p>', false);
  expect(doc.indexOf("default-src 'none'")).toBeLessThan(doc.indexOf('img-src *'));
});

it.each([
  ['<img src="https://t.example/p.gif">', true],
  ["<td background='http://x.example/bg.png'>", true],
  ['<div style="background:url( //cdn.example/a.png)">', true],
  ['<img src="cid:logo@x">', false],
  ['<img src="data:image/png;base64,AAAA">', false],
  ['<a href="https://example.com">link</a>', false],
])('%s asks the network: %s', (html, remote) => {
  expect(hasRemoteContent(html)).toBe(remote);
});

it('sizes the frame from the text, within bounds', () => {
  expect(frameHeight('short')).toBe(MIN_FRAME_PX);
  expect(frameHeight('line\n'.repeat(500))).toBe(MAX_FRAME_PX);
  expect(frameHeight('a\nb\nc\nd\ne')).toBeGreaterThan(MIN_FRAME_PX - 1);
});

it.each([
  ['#FFFFFF', 'light'],
  ['#f3f2f1', 'light'],
  ['#292929', 'dark'],
  ['#1f1f1f', 'dark'],
  ['#000', 'dark'],
  ['#707070', 'dark'],
  ['#a0a0a0', 'light'],
  ['', 'light'],
  [undefined, 'light'],
  ['red', 'light'],
] as const)('Office background %s is a %s theme', (colour, theme) => {
  expect(themeOf(colour)).toBe(theme);
});

const file = (name: string, size: number, over: Partial<AttachmentInfo> = {}): AttachmentInfo => ({ id: name, name, size, contentType: 'application/pdf', isInline: false, type: 'file', ...over });

it('copies files up to the total limit, skipping the one that would pass it but not the smaller ones after', () => {
  const mb = 1024 * 1024;
  const { send, skipped } = attachmentsToSend([file('a', 10 * mb), file('big', 20 * mb), file('b', 10 * mb), file('c', 6 * mb)]);
  expect(send.map((a) => a.name)).toEqual(['a', 'b']);
  expect(skipped.map((a) => a.name)).toEqual(['big', 'c']);
  expect(send.reduce((n, a) => n + a.size, 0)).toBeLessThanOrEqual(MAX_TOTAL_BYTES);
});

it('never copies inline images, attached emails or cloud links', () => {
  const { send, skipped } = attachmentsToSend([file('logo', 10, { isInline: true }), file('fwd', 10, { type: 'item' }), file('link', 10, { type: 'cloud' }), file('ok', 10)]);
  expect(send.map((a) => a.name)).toEqual(['ok']);
  expect(skipped).toEqual([]);
});

it.each([
  ['dead_letter', 'none'],
  ['mailbox_not_linked', 'copy_from_outlook'],
  ['unknown_message', 'ask_server'],
  ['suppressed', 'ask_server'],
  ['read_before_sync', 'ask_server'],
] as const)('an email with reason %s: %s', (reason, plan) => {
  expect(creationPlan(reason)).toBe(plan);
});
