import { Writable } from 'node:stream';
import { createLogger, redactUrl } from '../../server/logger';

// The OAuth callback's query carries the authorization code and the single-use state; a log reader holding
// them could race the callback. Express routes case-insensitively and ignores a trailing slash, so must this.

it.each([
  ['/oauth/callback?code=abc&state=xyz', '/oauth/callback?[redacted]'],
  ['/OAuth/Callback/?code=abc', '/OAuth/Callback/?[redacted]'],
  ['//oauth//callback?code=abc', '//oauth//callback?[redacted]'],
  ['https://relaydesk.contoso.com/oauth/callback?code=abc&state=xyz', 'https://relaydesk.contoso.com/oauth/callback?[redacted]'],
])('redacts the query of %s', (url, expected) => {
  expect(redactUrl(url)).toBe(expected);
});

it.each(['/oauth/callback', '/api/lookup?internetMessageId=%3Ca%40b%3E', '/oauth/callbacks?code=abc', 'https://relaydesk.contoso.com/addin/taskpane.html?x=1'])(
  'leaves %s as it is',
  (url) => {
    expect(redactUrl(url)).toBe(url);
  },
);

it('createLogger writes to the destination it is given, with bearer tokens redacted', () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString('utf8')), done()) });
  createLogger('info', sink).info({ req: { headers: { authorization: 'Bearer secret-token' } } }, 'hello');
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toContain('secret-token');
  expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ msg: 'hello', req: { headers: { authorization: '[redacted]' } } });
});
