import { consentTarget } from '../../../addin/link/consent-target';

// dialog-start.html forwards the Office dialog to the URL in its own fragment. Anyone can craft that link, so
// the page must forward only to our authority's authorize endpoint for our client id: else it is an open
// redirect that shows any page inside an Office dialog opened from our origin.

const CLIENT = '11111111-2222-3333-4444-555555555555';
const ENTRA = { authority: 'https://login.microsoftonline.com/organizations', clientId: CLIENT };
const SANDBOX = { authority: 'https://localhost:3443/9188040d-6c67-4c5b-b112-36a304b66dad/', clientId: CLIENT };
const authorize = (base: string, query = `client_id=${CLIENT}&response_type=code&scope=openid`) => `${base}/oauth2/v2.0/authorize?${query}`;

it.each([
  ['Entra', ENTRA, authorize('https://login.microsoftonline.com/organizations')],
  ['the sandbox', SANDBOX, authorize('https://localhost:3443/9188040d-6c67-4c5b-b112-36a304b66dad')],
])('forwards to our authorize endpoint for our client id (%s)', (_name, config, url) => {
  expect(consentTarget(url, config)?.href).toBe(new URL(url).href);
});

it.each([
  ['another site', 'https://evil.example/organizations/oauth2/v2.0/authorize?client_id=' + CLIENT],
  ['a look-alike host', 'https://login.microsoftonline.com.evil.example/organizations/oauth2/v2.0/authorize?client_id=' + CLIENT],
  ['plain http', authorize('http://login.microsoftonline.com/organizations')],
  ['another tenant path', authorize('https://login.microsoftonline.com/common')],
  ['another endpoint on the authority', 'https://login.microsoftonline.com/organizations/oauth2/v2.0/logout?client_id=' + CLIENT],
  ['a path escaping the tenant', authorize('https://login.microsoftonline.com/organizations/../evil')],
  ['a fragment', `${authorize('https://login.microsoftonline.com/organizations')}#x`],
  ['another app', authorize('https://login.microsoftonline.com/organizations', 'client_id=99999999-2222-3333-4444-555555555555')],
  ['no client id', authorize('https://login.microsoftonline.com/organizations', 'response_type=code')],
  ['two client ids', authorize('https://login.microsoftonline.com/organizations', `client_id=${CLIENT}&client_id=evil`)],
  ['credentials in the URL', authorize('https://user:pw@login.microsoftonline.com/organizations')],
  ['javascript:', `javascript:alert(1)//login.microsoftonline.com/organizations/oauth2/v2.0/authorize?client_id=${CLIENT}`],
  ['not a URL', 'login.microsoftonline.com/organizations/oauth2/v2.0/authorize'],
  ['nothing', ''],
])('refuses %s', (_name, url) => {
  expect(consentTarget(url, ENTRA)).toBeNull();
});

it('refuses everything when the configuration has no usable authority', () => {
  expect(consentTarget(authorize('https://login.microsoftonline.com/organizations'), { authority: '', clientId: CLIENT })).toBeNull();
});
