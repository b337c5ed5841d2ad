import { apiScopeShape, checkAppRegistration } from '../../../server/doctor/app-registration-check';
import type { MicrosoftTarget } from '../../../server/doctor/microsoft-target';
import { startTestSandbox, type TestSandbox } from '../../support/sandbox';

const REGISTERED = 'https://localhost:3000/oauth/callback';

// Against the sandbox's authorize endpoint, which answers as Entra does: its own error page for a redirect
// URI or client it will not redirect to, a redirect with error= for anything found later.
describe('the app registration checks', () => {
  let sb: TestSandbox;
  let target: MicrosoftTarget;
  beforeAll(async () => {
    sb = await startTestSandbox();
    const { sandbox } = sb;
    target = {
      mode: 'sandbox',
      authority: sandbox.authority.replace(/\/+$/, ''),
      clientId: sandbox.app.clientId,
      graphBaseUrl: sandbox.graphBaseUrl,
      apiScope: sandbox.app.apiScope,
      app: undefined,
      extraCa: [sandbox.caCertPem],
      sandboxTls: undefined,
      variables: { authority: 'SANDBOX_PORT', graph: 'SANDBOX_PORT', tenant: 'SANDBOX_PORT', clientId: 'SANDBOX_PORT' },
      close: async () => {},
    };
  });
  afterAll(() => sb.close());

  const codes = (results: { check: string; status: string; code?: string; variable?: string }[]) => results.map((r) => [r.check, r.status, r.code ?? null, r.variable ?? null]);

  it('passes a registered redirect URI and an exposed API scope', async () => {
    const results = await checkAppRegistration({ redirectUri: REGISTERED }, {}, target, undefined);
    expect(codes(results)).toEqual([
      ['redirect URI', 'ok', null, null],
      ['API scope', 'ok', null, null],
    ]);
  });

  it('fails a redirect URI on an unregistered host with AADSTS50011, naming OAUTH_REDIRECT_URI when it is set', async () => {
    const uri = 'https://helpdesk.example.com/oauth/callback';
    const results = await checkAppRegistration({ redirectUri: uri }, { OAUTH_REDIRECT_URI: uri }, target, undefined);
    expect(codes(results)).toEqual([
      ['redirect URI', 'fail', 'redirect_uri_mismatch', 'OAUTH_REDIRECT_URI'],
      // Entra answers about the redirect URI first: the scope cannot be asked about.
      ['API scope', 'warn', 'not_checked', null],
    ]);
    // Without OAUTH_REDIRECT_URI the URI comes from PUBLIC_ORIGIN, which is then the setting to change.
    expect((await checkAppRegistration({ redirectUri: uri }, {}, target, undefined))[0]?.variable).toBe('PUBLIC_ORIGIN');
  });

  it('fails a client id the authority does not know (AADSTS700016)', async () => {
    const results = await checkAppRegistration({ redirectUri: REGISTERED }, {}, { ...target, clientId: '00000000-0000-4000-8000-00000000dead' }, undefined);
    expect(codes(results)[0]).toEqual(['redirect URI', 'fail', 'app_not_found', 'SANDBOX_PORT']);
  });

  it('fails an API scope the app does not expose, which the authority sends back to the redirect URI', async () => {
    const results = await checkAppRegistration({ redirectUri: REGISTERED }, {}, { ...target, apiScope: `api://${target.clientId}/not_exposed` }, undefined);
    expect(codes(results)).toEqual([
      ['redirect URI', 'ok', null, null],
      ['API scope', 'fail', 'scope_unknown', 'SANDBOX_PORT'],
    ]);
  });

  it('warns when the redirect URI is accepted but is not where Relaydesk takes the answer', async () => {
    const results = await checkAppRegistration({ redirectUri: 'https://localhost:3000/auth/done' }, {}, target, undefined);
    expect(codes(results)[0]).toEqual(['redirect URI', 'warn', 'wrong_callback_path', 'PUBLIC_ORIGIN']);
  });

  it('fails the API scope before asking anyone when MICROSOFT_CLIENT_ID is not an application id', () => {
    const shape = apiScopeShape({ mode: 'entra', clientId: 'my-app', apiScope: 'api://my-app/access_as_user', variables: { ...target.variables, clientId: 'MICROSOFT_CLIENT_ID' } });
    expect([shape.status, shape.code, shape.variable]).toEqual(['fail', 'client_id_not_guid', 'MICROSOFT_CLIENT_ID']);
    expect(apiScopeShape({ mode: 'entra', clientId: target.clientId, apiScope: 'api://x/has space', variables: target.variables }).code).toBe('malformed');
  });
});
