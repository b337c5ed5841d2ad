import { z } from 'zod';

/**
 * The Exchange Online PowerShell an admin runs once so Relaydesk's app can reach the support mailboxes, and
 * only them: RBAC for Applications (https://learn.microsoft.com/exchange/permissions-exo/application-rbac).
 * A service principal pointer, a mail-enabled security group of the mailboxes, a management scope over the
 * group's members, and the two application roles assigned inside that scope; then a test script that checks
 * each mailbox is in scope and one that must not be is out.
 *
 * Pure: the app id and the addresses in, two scripts out. Every value written into the script is validated
 * and single-quoted, so an address can never become PowerShell code.
 */

/** More than a helpdesk links; a longer list is a mistake or an attempt to make a huge answer. */
export const MAX_SETUP_ADDRESSES = 50;
export const DEFAULT_GROUP_NAME = 'Relaydesk mailboxes';
/** Group and scope names are at most 64 characters in Exchange; the role assignment names add 17 to this. */
export const MAX_GROUP_NAME_LENGTH = 40;
/** Relaydesk cannot know the enterprise application's object id: the admin copies it from Entra. */
export const OBJECT_ID_PLACEHOLDER = '<ENTERPRISE-APP-OBJECT-ID>';
export const OUT_OF_SCOPE_PLACEHOLDER = '<ADDRESS-THAT-MUST-STAY-OUT-OF-REACH>';
export const APP_ROLES = ['Application Mail.ReadWrite', 'Application Mail.Send'] as const;
const SERVICE_PRINCIPAL_NAME = 'Relaydesk';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const AppOnlySetupInput = z.strictObject({
  appId: z.string().regex(GUID, 'The app id is the application (client) id, a GUID'),
  addresses: z.array(z.string().trim().pipe(z.email())).min(1).max(MAX_SETUP_ADDRESSES),
  // Letters, digits, spaces and . _ - only: it names an Exchange group, a scope and two role assignments.
  groupName: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'Letters, digits, spaces, dots, dashes and underscores only')
    .max(MAX_GROUP_NAME_LENGTH)
    .optional(),
});
export type AppOnlySetupInput = z.input<typeof AppOnlySetupInput>;

export interface AppOnlySetup {
  appId: string;
  groupName: string;
  /** Connect, service principal, group and members, scope, the two role assignments. */
  script: string;
  /** Test-ServicePrincipalAuthorization for each address, and for one that must be out of scope. */
  testScript: string;
}

/**
 * A PowerShell single-quoted string. Inside one only the quote itself is special, and PowerShell also takes
 * the typographic single quotes (U+2018..U+201B) as quotes, so each of them is doubled like ' is.
 */
export function psQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, (q) => q + q)}'`;
}

/** Throws a ZodError (400 validation_failed at the API) for an app id, address or group name it will not write. */
export function appOnlySetup(raw: AppOnlySetupInput): AppOnlySetup {
  const input = AppOnlySetupInput.parse(raw);
  const appId = input.appId.toLowerCase();
  const groupName = input.groupName ?? DEFAULT_GROUP_NAME;
  // One member line per mailbox: Exchange refuses to add a member twice.
  const byKey = new Map<string, string>();
  for (const a of input.addresses) if (!byKey.has(a.toLowerCase())) byKey.set(a.toLowerCase(), a);
  const addresses = [...byKey.values()];
  const app = psQuote(appId);
  const group = psQuote(groupName);

  const script = [
    '# Relaydesk: app-only access to the support mailboxes, limited by RBAC for Applications in Exchange Online.',
    '# https://learn.microsoft.com/exchange/permissions-exo/application-rbac',
    '#',
    '# Before you run it:',
    '# 1. In Microsoft Entra admin center > App registrations, REMOVE every Microsoft Graph application permission',
    '#    Mail.* (Mail.ReadWrite, Mail.Send, Mail.Read, ...) from this app and revoke their admin consent.',
    '#    Application permissions consented in Entra are tenant-wide and are granted on top of RBAC: with them',
    '#    the app can read and send as every mailbox, and the scope below restricts nothing.',
    '#    The roles below give Mail.ReadWrite and Mail.Send again, limited to the mailboxes listed here.',
    `# 2. Replace ${OBJECT_ID_PLACEHOLDER} with the Object ID in Microsoft Entra admin center > Enterprise applications`,
    '#    > (this app) > Overview: the enterprise application (service principal), not the app registration.',
    '# 3. Run it as a member of the Organization Management role group.',
    '',
    'Connect-ExchangeOnline',
    '',
    "# Exchange's pointer to the app's service principal.",
    `New-ServicePrincipal -AppId ${app} -ObjectId ${psQuote(OBJECT_ID_PLACEHOLDER)} -DisplayName ${psQuote(SERVICE_PRINCIPAL_NAME)}`,
    '',
    '# A mail-enabled security group with the mailboxes Relaydesk may use (direct members only: nested groups do not count).',
    `New-DistributionGroup -Name ${group} -Type Security`,
    ...addresses.map((a) => `Add-DistributionGroupMember -Identity ${group} -Member ${psQuote(a)}`),
    '',
    "# A management scope of the group's members; the filter names the group by its distinguished name.",
    `$GroupDN = (Get-DistributionGroup -Identity ${group}).DistinguishedName`,
    `$Filter = "MemberOfGroup -eq '{0}'" -f ($GroupDN -replace "'", "''")`,
    `New-ManagementScope -Name ${group} -RecipientRestrictionFilter $Filter`,
    '',
    '# Mail.ReadWrite and Mail.Send for the app, inside that scope only.',
    ...APP_ROLES.map(
      (role) => `New-ManagementRoleAssignment -Name ${psQuote(`${groupName} - ${role.replace('Application ', '')}`)} -App ${app} -Role ${psQuote(role)} -CustomResourceScope ${group}`,
    ),
    '',
  ].join('\n');

  const testScript = [
    '# Relaydesk: check the scope, in the same Exchange Online PowerShell session (Connect-ExchangeOnline first).',
    '# Each mailbox below must show InScope True for Application Mail.ReadWrite and Application Mail.Send.',
    ...addresses.map((a) => `Test-ServicePrincipalAuthorization -Identity ${app} -Resource ${psQuote(a)} | Format-Table`),
    '',
    `# A mailbox Relaydesk must not reach (your own, for example) must show InScope False. Replace ${OUT_OF_SCOPE_PLACEHOLDER}.`,
    `Test-ServicePrincipalAuthorization -Identity ${app} -Resource ${psQuote(OUT_OF_SCOPE_PLACEHOLDER)} | Format-Table`,
    '',
    '# This test sees RBAC for Applications only: Mail.* permissions still consented in Entra would reach every mailbox',
    '# anyway. Relaydesk checks that when it links a mailbox, by trying to read one outside the scope.',
    '# Exchange caches app permissions: Microsoft Graph may take 30 minutes to 2 hours to apply a change.',
    '',
  ].join('\n');

  return { appId, groupName, script, testScript };
}
