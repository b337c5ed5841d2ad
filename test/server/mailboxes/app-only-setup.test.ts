import express from 'express';
import request from 'supertest';
import { ZodError } from 'zod';
import { errorHandler } from '../../../server/http/errors';
import { appOnlySetupRoutes } from '../../../server/http/routes/app-only-setup';
import { appOnlySetup, MAX_SETUP_ADDRESSES, OBJECT_ID_PLACEHOLDER, OUT_OF_SCOPE_PLACEHOLDER, psQuote } from '../../../server/mailboxes/app-only-setup';

/**
 * The guided setup's PowerShell: every cmdlet of RBAC for Applications filled in with the app id and each
 * address, the Entra warning in the script itself, and addresses that can never turn into PowerShell code.
 */

const APP_ID = '11111111-2222-3333-4444-555555555555';
const ADDRESSES = ['support@contoso.com', 'billing@contoso.com'];
const lines = (script: string) => script.split('\n').filter((l) => l && !l.startsWith('#'));

describe('appOnlySetup: the setup script', () => {
  const { script, groupName } = appOnlySetup({ appId: APP_ID, addresses: ADDRESSES });

  it('runs the cmdlets in order: connect, service principal, group, members, scope, the two role assignments', () => {
    const cmdlets = lines(script).map((l) => l.split(' ')[0]);
    expect(cmdlets).toEqual([
      'Connect-ExchangeOnline',
      'New-ServicePrincipal',
      'New-DistributionGroup',
      'Add-DistributionGroupMember',
      'Add-DistributionGroupMember',
      '$GroupDN',
      '$Filter',
      'New-ManagementScope',
      'New-ManagementRoleAssignment',
      'New-ManagementRoleAssignment',
    ]);
  });

  it('fills in the app id, the object id placeholder, the group and each address', () => {
    expect(script).toContain(`New-ServicePrincipal -AppId '${APP_ID}' -ObjectId '${OBJECT_ID_PLACEHOLDER}' -DisplayName 'Relaydesk'`);
    expect(script).toContain(`New-DistributionGroup -Name '${groupName}' -Type Security`);
    for (const address of ADDRESSES) expect(script).toContain(`Add-DistributionGroupMember -Identity '${groupName}' -Member '${address}'`);
    expect(script).toContain(`$GroupDN = (Get-DistributionGroup -Identity '${groupName}').DistinguishedName`);
    expect(script).toContain(`New-ManagementScope -Name '${groupName}' -RecipientRestrictionFilter $Filter`);
    for (const role of ['Mail.ReadWrite', 'Mail.Send']) {
      expect(script).toContain(`-App '${APP_ID}' -Role 'Application ${role}' -CustomResourceScope '${groupName}'`);
    }
  });

  it('scopes by membership of the group, quoting its distinguished name for the OPATH filter', () => {
    expect(script).toContain(`"MemberOfGroup -eq '{0}'" -f ($GroupDN -replace "'", "''")`);
  });

  it('says in the script that Mail.* application permissions consented in Entra must be removed', () => {
    const comments = script.split('\n').filter((l) => l.startsWith('#')).join('\n');
    expect(comments).toMatch(/REMOVE every Microsoft Graph application permission/);
    expect(comments).toMatch(/tenant-wide/);
  });

  it('lists an address once, whatever its case', () => {
    const { script: twice } = appOnlySetup({ appId: APP_ID, addresses: ['support@contoso.com', 'Support@Contoso.com'] });
    expect(lines(twice).filter((l) => l.startsWith('Add-DistributionGroupMember'))).toHaveLength(1);
  });

  it('names the group as asked', () => {
    const named = appOnlySetup({ appId: APP_ID, addresses: ADDRESSES, groupName: 'Helpdesk scope' });
    expect(named.groupName).toBe('Helpdesk scope');
    expect(named.script).toContain("New-ManagementRoleAssignment -Name 'Helpdesk scope - Mail.Send'");
  });
});

describe('appOnlySetup: the test script', () => {
  it('tests each address and one out-of-scope placeholder with the app id', () => {
    const { testScript } = appOnlySetup({ appId: APP_ID, addresses: ADDRESSES });
    expect(lines(testScript)).toEqual([
      `Test-ServicePrincipalAuthorization -Identity '${APP_ID}' -Resource 'support@contoso.com' | Format-Table`,
      `Test-ServicePrincipalAuthorization -Identity '${APP_ID}' -Resource 'billing@contoso.com' | Format-Table`,
      `Test-ServicePrincipalAuthorization -Identity '${APP_ID}' -Resource '${OUT_OF_SCOPE_PLACEHOLDER}' | Format-Table`,
    ]);
  });
});

describe('appOnlySetup: hostile input', () => {
  it('doubles single quotes, typographic ones too, so a quote cannot end the string', () => {
    expect(psQuote("it'+'s")).toBe("'it''+''s'");
    expect(psQuote('a\u2019b')).toBe("'a\u2019\u2019b'");
  });

  it("keeps a valid address with quotes inside its string: it'+'s@contoso.com stays one literal", () => {
    const { script, testScript } = appOnlySetup({ appId: APP_ID, addresses: ["it'+'s@contoso.com"] });
    expect(script).toContain("-Member 'it''+''s@contoso.com'");
    expect(testScript).toContain("-Resource 'it''+''s@contoso.com'");
    // Outside the quoted literals, every member line is the same fixed text.
    const member = lines(script).find((l) => l.startsWith('Add-DistributionGroupMember')) ?? '';
    expect(member.replace(/'(?:[^']|'')*'/g, 'Q')).toBe('Add-DistributionGroupMember -Identity Q -Member Q');
  });

  it.each([
    ['code in an address', ["a@b.com'; Remove-Mailbox x; '"]],
    ['a subexpression', ['$(Get-Mailbox)@contoso.com']],
    ['a line break', ['support@contoso.com\nRemove-Mailbox x']],
    ['no address', []],
    ['more than the cap', Array.from({ length: MAX_SETUP_ADDRESSES + 1 }, (_, i) => `m${i}@contoso.com`)],
  ])('refuses %s', (_what, addresses) => {
    expect(() => appOnlySetup({ appId: APP_ID, addresses })).toThrow(ZodError);
  });

  it('takes exactly the cap', () => {
    const addresses = Array.from({ length: MAX_SETUP_ADDRESSES }, (_, i) => `m${i}@contoso.com`);
    expect(lines(appOnlySetup({ appId: APP_ID, addresses }).script).filter((l) => l.startsWith('Add-DistributionGroupMember'))).toHaveLength(MAX_SETUP_ADDRESSES);
  });

  it.each([
    ['an app id that is not a GUID', { appId: "x'; Remove-Mailbox", addresses: ADDRESSES }],
    ['a group name with a quote', { appId: APP_ID, addresses: ADDRESSES, groupName: "Relaydesk' -Members x" }],
    ['a group name too long for the role assignment names', { appId: APP_ID, addresses: ADDRESSES, groupName: 'g'.repeat(41) }],
  ])('refuses %s', (_what, input) => {
    expect(() => appOnlySetup(input)).toThrow(ZodError);
  });
});

describe('GET /api/mailboxes/app-only-setup', () => {
  const app = express();
  // errorHandler logs through pino-http's req.log; a silent one stands in.
  app.use((req, _res, next) => {
    (req as unknown as { log: { info(): void; error(): void } }).log = { info: () => undefined, error: () => undefined };
    next();
  });
  app.use('/api/mailboxes/app-only-setup', appOnlySetupRoutes(APP_ID));
  app.use(errorHandler);

  it('answers the scripts for repeated ?address=', async () => {
    const res = await request(app).get('/api/mailboxes/app-only-setup').query('address=support%40contoso.com&address=billing%40contoso.com');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(appOnlySetup({ appId: APP_ID, addresses: ADDRESSES }));
  });

  it('takes a single address', async () => {
    const res = await request(app).get('/api/mailboxes/app-only-setup').query({ address: 'support@contoso.com' });
    expect(res.status).toBe(200);
    expect(res.body.testScript).toContain("-Resource 'support@contoso.com'");
  });

  it.each([
    ['no address', ''],
    ['an address that is not one', 'address=not-an-address'],
    ['more than the cap', Array.from({ length: MAX_SETUP_ADDRESSES + 1 }, (_, i) => `address=m${i}%40contoso.com`).join('&')],
  ])('answers 400 validation_failed for %s', async (_what, query) => {
    const res = await request(app).get(`/api/mailboxes/app-only-setup${query ? `?${query}` : ''}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });
});
