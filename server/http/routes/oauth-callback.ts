import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { LinkError } from '../../identity/link-errors';
import type { MailboxLinking } from '../../identity/mailbox-linking';
import { linkResultPage, type LinkResult } from '../link-result-page';

const CallbackQuery = z.object({
  code: z.string().max(8192).optional(),
  state: z.string().max(512).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(4096).optional(),
});

/** The OAuth redirect URI. Public: the single-use state is what ties it to an admin's request. */
export function oauthCallbackRoutes(linking: MailboxLinking, options: { officeJsUrl: string; appOrigin: string }): Router {
  const router = Router();
  router.get('/oauth/callback', async (req, res) => {
    const query = CallbackQuery.safeParse(req.query);
    let result: LinkResult;
    try {
      if (!query.success) throw new LinkError('link_state_unknown', 'The sign-in response is malformed');
      const done = await linking.complete({ code: query.data.code, state: query.data.state, error: query.data.error, errorDescription: query.data.error_description });
      result = {
        ok: true,
        code: done.purpose === 'link' ? 'linked' : 'reauthorized',
        message: `${done.mailbox.address} is ${done.purpose === 'link' ? 'linked' : 're-authorized'} and ${done.mailbox.state}.`,
        mailbox: { id: done.mailbox.id, address: done.mailbox.address, state: done.mailbox.state },
      };
    } catch (error) {
      if (!(error instanceof LinkError)) throw error;
      req.log.info({ code: error.code }, 'mailbox link refused');
      result = { ok: false, code: error.code, message: error.message };
    }
    const nonce = randomBytes(16).toString('base64');
    const officeOrigin = new URL(options.officeJsUrl).origin;
    res
      .status(result.ok ? 200 : 400)
      .set('Content-Security-Policy', `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}' ${officeOrigin}; connect-src ${officeOrigin}; frame-ancestors 'none'`)
      .set('Cache-Control', 'no-store')
      // The page's URL holds the code and state: its own requests (office.js) must not carry it in Referer.
      .set('Referrer-Policy', 'no-referrer')
      .type('html')
      .send(linkResultPage(result, { nonce, officeJsUrl: options.officeJsUrl, appOrigin: options.appOrigin, language: req.acceptsLanguages('en', 'it') === 'it' ? 'it-IT' : 'en-US' }));
  });
  return router;
}
