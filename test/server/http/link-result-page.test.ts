import express from 'express';
import request from 'supertest';
import { linkResultPage } from '../../../server/http/link-result-page';
import { oauthCallbackRoutes } from '../../../server/http/routes/oauth-callback';
import { LinkError } from '../../../server/identity/link-errors';
import type { MailboxLinking } from '../../../server/identity/mailbox-linking';

/** The OAuth callback page speaks the admin's language (Accept-Language): Italian for any Italian, else English. */

const OPTIONS = { officeJsUrl: 'https://appsforoffice.example/office.js', appOrigin: 'https://relaydesk.example' };
const messageOf = (html: string) => /<p id="message">([^<]*)<\/p>/.exec(html)?.[1];
const resultOf = (html: string) => JSON.parse(/<script type="application\/json" id="relaydesk-result">([^<]*)<\/script>/.exec(html)?.[1] ?? '{}') as { message: string; code: string };

function appWith(complete: MailboxLinking['complete']) {
  const app = express();
  app.use((req, _res, next) => {
    (req as unknown as { log: { info(): void } }).log = { info: () => undefined };
    next();
  });
  app.use(oauthCallbackRoutes({ complete } as MailboxLinking, OPTIONS));
  return app;
}

describe('OAuth callback page language', () => {
  const linked: MailboxLinking['complete'] = async () => ({ purpose: 'link', mailbox: { id: 3, address: 'supporto@contoso.test', state: 'active' } }) as Awaited<ReturnType<MailboxLinking['complete']>>;
  const cancelled: MailboxLinking['complete'] = async () => {
    throw new LinkError('consent_cancelled', 'Consent was cancelled at Microsoft; nothing was linked');
  };

  it('keeps the English page and message without an Italian Accept-Language', async () => {
    const res = await request(appWith(linked)).get('/oauth/callback?code=c&state=s').set('Accept-Language', 'en-GB,en;q=0.9');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<html lang="en-US">');
    expect(messageOf(res.text)).toBe('supporto@contoso.test is linked and active.');
    expect(res.text).toContain('You can close this window.');
  });

  it('answers in Italian for it-IT (page and the message the task pane shows)', async () => {
    const res = await request(appWith(linked)).get('/oauth/callback?code=c&state=s').set('Accept-Language', 'it-IT,it;q=0.9,en;q=0.8');
    expect(res.text).toContain('<html lang="it-IT">');
    expect(res.text).toContain('<h1>Casella di posta collegata</h1>');
    expect(messageOf(res.text)).toBe('supporto@contoso.test è stata collegata ed è attiva.');
    expect(resultOf(res.text).message).toBe('supporto@contoso.test è stata collegata ed è attiva.');
  });

  it('says a refusal in Italian by its code, with the server detail below it', async () => {
    const res = await request(appWith(cancelled)).get('/oauth/callback?error=access_denied&state=s').set('Accept-Language', 'it');
    expect(res.status).toBe(400);
    expect(messageOf(res.text)).toBe('Il consenso è stato annullato su Microsoft: non è stato collegato nulla.');
    expect(res.text).toContain('<p class="detail">Consent was cancelled at Microsoft; nothing was linked</p>');
    expect(resultOf(res.text).code).toBe('consent_cancelled');
  });

  it('falls back to the server message for a code it has no sentence for, and escapes it', () => {
    const html = linkResultPage({ ok: false, code: 'something_new', message: '<b>odd</b>' }, { ...OPTIONS, nonce: 'n', language: 'it-IT' });
    expect(messageOf(html)).toBe('Il collegamento non è riuscito: &#60;b&#62;odd&#60;/b&#62;');
  });
});
