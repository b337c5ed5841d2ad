import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { addinRoutes, type AddinRouteOptions } from '../../server/http/routes/addin';

/**
 * server/http/routes/addin.ts against a small fake build (the real one is exercised by test/e2e/addin/):
 * manifest rewritten for the server's origin, pages with the configured office.js, cache headers, and a 503
 * with a code while nothing is built.
 */

const BUILT_FOR = 'https://localhost:3000';
let dist: string;

function app(options: Partial<AddinRouteOptions> = {}) {
  const a = express();
  a.use(addinRoutes({ distDir: dist, publicOrigin: 'https://relaydesk.contoso.com', ...options }));
  a.use((_req, res) => void res.status(404).json({ error: { code: 'route_not_found' } }));
  return a;
}

beforeEach(() => {
  dist = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-addin-dist-'));
  const write = (file: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(dist, file)), { recursive: true });
    fs.writeFileSync(path.join(dist, file), content);
  };
  write('build-info.json', JSON.stringify({ origin: BUILT_FOR, mode: 'production', initialScripts: ['taskpane.0123456789.js'] }));
  write('manifest.xml', `<OfficeApp><SourceLocation DefaultValue="${BUILT_FOR}/addin/taskpane.html"/><AppDomain>${BUILT_FOR}</AppDomain></OfficeApp>`);
  write('taskpane.html', '<html><head><script src="office.js" id="office-js"></script><script defer src="taskpane.0123456789.js"></script></head></html>');
  write('taskpane.0123456789.js', 'console.log(1)');
  write('office.js', 'var Office;');
  write('assets/icon-16.png', 'png');
});
afterEach(() => fs.rmSync(dist, { recursive: true, force: true }));

it("serves the manifest with every URL on the server's own public origin, never cached", async () => {
  const res = await request(app()).get('/manifest.xml');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
  expect(res.headers['cache-control']).toBe('no-cache');
  expect(res.text).toBe('<OfficeApp><SourceLocation DefaultValue="https://relaydesk.contoso.com/addin/taskpane.html"/><AppDomain>https://relaydesk.contoso.com</AppDomain></OfficeApp>');
});

it('serves the task pane without caching, loading office.js from OFFICE_JS_URL when one is configured', async () => {
  const cdn = 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js';
  const res = await request(app({ officeJsUrl: cdn })).get('/addin/taskpane.html');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.headers['cache-control']).toBe('no-cache');
  expect(res.headers['cross-origin-opener-policy']).toBeUndefined();
  expect(res.text).toContain(`<script src="${cdn}" id="office-js"></script>`);
  expect(res.text).not.toContain('src="office.js"');
  // Without one, the bundled copy next to the page.
  expect((await request(app()).get('/addin/taskpane.html')).text).toContain('<script src="office.js" id="office-js"></script>');
});

it('caches hashed scripts for a year and office.js / icons for an hour', async () => {
  const script = await request(app()).get('/addin/taskpane.0123456789.js');
  expect(script.status).toBe(200);
  expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  expect(script.headers['content-type']).toMatch(/javascript/);
  const office = await request(app()).get('/addin/office.js');
  expect(office.headers['cache-control']).toBe('public, max-age=3600');
  const icon = await request(app()).get('/addin/assets/icon-16.png');
  expect(icon.status).toBe(200);
  expect(icon.headers['content-type']).toBe('image/png');
});

it.each(['/addin/build-info.json', '/addin/manifest.xml', '/addin/nope.html', '/addin/%2e%2e/package.json', '/addin/assets/../build-info.json'])('does not serve %s', async (url) => {
  const res = await request(app()).get(url);
  expect(res.status).toBe(404);
});

it('redirects /addin to the task pane', async () => {
  const res = await request(app()).get('/addin');
  expect(res.status).toBe(302);
  expect(res.headers['location']).toBe('/addin/taskpane.html');
});

it.each(['/manifest.xml', '/addin/taskpane.html', '/addin/taskpane.0123456789.js'])('answers %s with 503 addin_not_built until the bundle is built', async (url) => {
  fs.rmSync(path.join(dist, 'build-info.json'));
  const res = await request(app()).get(url);
  expect(res.status).toBe(503);
  expect(res.body.error.code).toBe('addin_not_built');
  expect(res.body.error.message).toContain('npm run build:addin');
});

it('picks up a build that appears after the server started', async () => {
  const build = fs.readFileSync(path.join(dist, 'build-info.json'));
  fs.rmSync(path.join(dist, 'build-info.json'));
  const a = app();
  expect((await request(a).get('/manifest.xml')).status).toBe(503);
  fs.writeFileSync(path.join(dist, 'build-info.json'), build);
  expect((await request(a).get('/manifest.xml')).status).toBe(200);
});

it.each(['https://relaydesk.contoso.com/app', 'relaydesk.contoso.com', 'https://relaydesk.contoso.com/?x=1'])('refuses a public origin with a path or no scheme: %s', (publicOrigin) => {
  expect(() => addinRoutes({ distDir: dist, publicOrigin })).toThrow(TypeError);
});

describe('Content-Security-Policy of the pages', () => {
  const directives = (header: string | undefined): Map<string, string[]> =>
    new Map((header ?? '').split(';').map((d) => d.trim().split(/\s+/)).map(([name = '', ...values]) => [name, values] as [string, string[]]));

  it("allows scripts from the server and Microsoft's office.js CDN only, no plugins, no <base>, framing by Office", async () => {
    const res = await request(app({ officeJsUrl: 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js' })).get('/addin/taskpane.html');
    const csp = directives(res.headers['content-security-policy']);
    expect(csp.get('script-src')).toEqual(["'self'", 'https://appsforoffice.microsoft.com']);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')?.sort()).toEqual(
      ["'self'", 'https://*.office.com', 'https://*.office365.com', 'https://*.microsoft.com', 'https://*.outlook.com', 'https://outlook.live.com'].sort(),
    );
    // Nothing that would let an injected inline script run.
    expect([...csp.values()].flat()).not.toEqual(expect.arrayContaining(["'unsafe-inline'"]));
    expect([...csp.values()].flat()).not.toEqual(expect.arrayContaining(['*']));
  });

  // The customer's HTML is shown in a sandboxed srcdoc iframe that inherits this policy: a default-src,
  // frame-src or child-src here would block the frame (or MSAL's renewal frame), an img-src without https:
  // would make "Show images" do nothing.
  it('lets the sandboxed email frame exist and its https: images load', async () => {
    const csp = directives((await request(app()).get('/addin/taskpane.html')).headers['content-security-policy']);
    for (const name of ['default-src', 'frame-src', 'child-src']) expect(csp.has(name)).toBe(false);
    if (csp.has('img-src')) expect(csp.get('img-src')).toContain('https:');
  });

  it('allows only this server for scripts when office.js is the bundled copy', async () => {
    const res = await request(app()).get('/addin/taskpane.html');
    expect(directives(res.headers['content-security-policy']).get('script-src')).toEqual(["'self'"]);
  });
});
