import fs from 'node:fs';
import path from 'node:path';
import express, { Router, type Response } from 'express';

/**
 * Serves the built Outlook add-in (webpack.config.js -> dist/addin/) under /addin/, and the manifest for this
 * server's own public origin at /manifest.xml. Office loads all of it over HTTPS from the origin in the
 * manifest, so the manifest is rewritten here from the origin the bundle was built for (build-info.json) to
 * `publicOrigin`: one bundle serves any deployment.
 *
 * Caching: scripts carry a content hash and are cached for a year; pages and the manifest are `no-cache` (always
 * revalidated), so a deployment is picked up by the next pane that opens; office.js and icons for an hour.
 * Files are read when asked for, so building the bundle after the server started needs no restart; until it is
 * built every add-in URL answers 503 `addin_not_built` with the command to run.
 */

export interface AddinRouteOptions {
  /** The webpack output folder (dist/addin). */
  distDir: string;
  /** This server's public origin, e.g. https://relaydesk.contoso.com: the manifest's URLs point here. */
  publicOrigin: string;
  /** Where the pages load office.js from (OFFICE_JS_URL); default the bundled copy next to them. */
  officeJsUrl?: string | undefined;
}

/** Pages of the bundle (HtmlWebpackPlugin outputs). */
const PAGES = new Set(['taskpane.html', 'commands.html', 'redirect.html', 'dialog-start.html', 'sign-in.html', 'support.html']);
/** `name.<10 hex>.js`, as webpack.config.js names scripts. */
const HASHED_SCRIPT = /^\/[\w-]+\.[0-9a-f]{10}\.js$/;
/** The other files served: office.js, its mapping table, icons. */
const PLAIN_FILES = /^\/(office\.js|o15apptofilemappingtable\.js|assets\/[\w-]+\.png)$/;
/** The bundle's pages reference office.js with exactly this tag (addin/pages/*.html). */
const OFFICE_JS_TAG = '<script src="office.js" id="office-js"></script>';
const YEAR_SECONDS = 365 * 24 * 3600;
/**
 * Where Office hosts the pane in a frame (Outlook on the web and its Microsoft 365 / consumer variants); the
 * desktop clients load it top-level. 'self': our own pages frame each other (MSAL's silent iframe, tests).
 */
const OFFICE_FRAME_ANCESTORS = ["'self'", 'https://*.office.com', 'https://*.office365.com', 'https://*.microsoft.com', 'https://*.outlook.com', 'https://outlook.live.com'];

interface BuildInfo {
  origin: string;
}

const escapeAttribute = (text: string): string => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function originOf(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${what} must be an origin such as https://relaydesk.contoso.com, got '${value}'`);
  }
  // A path or query here would end up inside every URL of the manifest.
  if (url.origin === 'null' || url.href.replace(/\/$/, '') !== url.origin) throw new TypeError(`${what} must be an origin without path or query, got '${value}'`);
  return url.origin;
}

/**
 * The pages' Content-Security-Policy: scripts only from this origin and office.js's (an injected inline script,
 * or one from elsewhere, never runs), no plugins, no <base> redirecting relative script URLs, and no framing
 * except by Office. Styles are not restricted: Fluent UI inserts its own at run time.
 *
 * Deliberately no default-src, frame-src, child-src or img-src: the pane shows customer HTML in a sandboxed
 * srcdoc iframe, which inherits this policy (about:srcdoc) and narrows it with its own (no scripts, images
 * only from data:/cid: until the agent clicks "Show images", then https:), so this policy must let that frame
 * exist and let https: images load; MSAL's silent-renewal iframe needs the identity provider's origin too.
 * test/addin/addin-routes.test.ts pins this.
 */
export function addinPagePolicy(officeJsUrl: string | undefined): string {
  const officeOrigin = officeJsUrl ? new URL(officeJsUrl).origin : undefined;
  const scripts = ["'self'", ...(officeOrigin ? [officeOrigin] : [])];
  return [`script-src ${scripts.join(' ')}`, "object-src 'none'", "base-uri 'self'", `frame-ancestors ${OFFICE_FRAME_ANCESTORS.join(' ')}`].join('; ');
}

function notBuilt(res: Response, distDir: string): void {
  res
    .status(503)
    .set('Cache-Control', 'no-store')
    .json({ error: { code: 'addin_not_built', message: `The Outlook add-in is not built (no ${path.join(distDir, 'build-info.json')}): run \`npm run build:addin\`` } });
}

export function addinRoutes(options: AddinRouteOptions): Router {
  const distDir = path.resolve(options.distDir);
  const publicOrigin = originOf(options.publicOrigin, 'publicOrigin');
  const pagePolicy = addinPagePolicy(options.officeJsUrl);
  const officeJsTag = options.officeJsUrl ? `<script src="${escapeAttribute(new URL(options.officeJsUrl).href)}" id="office-js"></script>` : OFFICE_JS_TAG;
  const router = Router();

  const buildInfo = (): BuildInfo | null => {
    try {
      const info = JSON.parse(fs.readFileSync(path.join(distDir, 'build-info.json'), 'utf8')) as Partial<BuildInfo>;
      return typeof info.origin === 'string' ? { origin: info.origin } : null;
    } catch {
      return null;
    }
  };
  const read = (file: string): string | null => {
    try {
      return fs.readFileSync(path.join(distDir, file), 'utf8');
    } catch {
      return null;
    }
  };

  router.get('/manifest.xml', (_req, res) => {
    const info = buildInfo();
    const xml = info && read('manifest.xml');
    if (!info || !xml) return notBuilt(res, distDir);
    res
      .type('application/xml; charset=utf-8')
      .set('Cache-Control', 'no-cache')
      .set('Content-Disposition', 'inline; filename="relaydesk-manifest.xml"')
      .send(xml.split(info.origin).join(publicOrigin));
  });

  router.get('/addin', (_req, res) => res.redirect(302, '/addin/taskpane.html'));

  const addin = Router();
  addin.use((_req, res, next) => (buildInfo() ? next() : notBuilt(res, distDir)));
  addin.get('/:page', (req, res, next) => {
    const page = String(req.params['page']);
    if (!PAGES.has(page)) return next();
    const html = read(page);
    if (html === null) return notBuilt(res, distDir);
    res
      .type('html')
      .set('Cache-Control', 'no-cache')
      .set('X-Content-Type-Options', 'nosniff')
      .set('Content-Security-Policy', pagePolicy)
      // No Cross-Origin-Opener-Policy: the consent popup must keep its opener to post the link result back.
      .set('Referrer-Policy', 'strict-origin-when-cross-origin')
      .send(html.split(OFFICE_JS_TAG).join(officeJsTag));
  });
  const files = express.static(distDir, {
    index: false,
    dotfiles: 'ignore',
    fallthrough: true,
    setHeaders: (res, file) => {
      const name = `/${path.relative(distDir, file).split(path.sep).join('/')}`;
      res.setHeader('Cache-Control', HASHED_SCRIPT.test(name) ? `public, max-age=${YEAR_SECONDS}, immutable` : 'public, max-age=3600');
      res.setHeader('X-Content-Type-Options', 'nosniff');
    },
  });
  // Only the bundle's scripts, office.js and icons: never build-info.json, the build-time manifest, or anything else.
  addin.use((req, res, next) => (req.method === 'GET' || req.method === 'HEAD') && (HASHED_SCRIPT.test(req.path) || PLAIN_FILES.test(req.path)) ? files(req, res, next) : next());
  router.use('/addin', addin);
  return router;
}
