import type { HostTheme } from './host-port';

/**
 * The enumerations of Office.js that the task pane reads, with the values office.js gives them (the pane compares
 * against these, e.g. `Office.EventType.ItemChanged`), and what the preview host reports about itself.
 */
export const OFFICE_ENUMS = {
  HostType: { Outlook: 'Outlook' },
  PlatformType: { OfficeOnline: 'OfficeOnline' },
  EventType: {
    ItemChanged: 'olkItemSelectedChanged',
    OfficeThemeChanged: 'officeThemeChanged',
    DialogMessageReceived: 'dialogMessageReceived',
    DialogEventReceived: 'dialogEventReceived',
  },
  AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
  CoercionType: { Text: 'text', Html: 'html' },
  MailboxEnums: {
    ItemType: { Message: 'message', Appointment: 'appointment' },
    AttachmentType: { File: 'file', Item: 'item', Cloud: 'cloud' },
    AttachmentContentFormat: { Base64: 'base64', Url: 'url', Eml: 'eml', ICalendar: 'iCalendar' },
    RestVersion: { v1_0: 'v1.0', v2_0: 'v2.0', Beta: 'beta' },
    RecipientType: { User: 'user', ExternalUser: 'externalUser', DistributionList: 'distributionList', Other: 'other' },
  },
} as const;

/** What Outlook on the web hands a task pane as Office.context.officeTheme in its light and dark themes. */
export const OFFICE_THEMES: Record<HostTheme, { bodyBackgroundColor: string; bodyForegroundColor: string; controlBackgroundColor: string; controlForegroundColor: string; isDarkTheme: boolean }> = {
  light: { bodyBackgroundColor: '#FFFFFF', bodyForegroundColor: '#242424', controlBackgroundColor: '#FFFFFF', controlForegroundColor: '#242424', isDarkTheme: false },
  dark: { bodyBackgroundColor: '#292929', bodyForegroundColor: '#FFFFFF', controlBackgroundColor: '#1F1F1F', controlForegroundColor: '#FFFFFF', isDarkTheme: true },
};

/**
 * The requirement sets the host claims, each at the highest version whose parts the pane uses are implemented
 * (Mailbox 1.14 for OfficeThemeChanged; 1.8 for shared folders and attachment content). No NestedAppAuth: the
 * pane signs in through an Office dialog, as in Outlook clients without nested app authentication.
 */
export const REQUIREMENT_SETS: Readonly<Record<string, string>> = { Mailbox: '1.14', DialogApi: '1.2', DialogOrigin: '1.1' };

export function isSetSupported(name: string, version?: string | number): boolean {
  const highest = REQUIREMENT_SETS[name];
  if (highest === undefined) return false;
  if (version === undefined) return true;
  const a = String(version).split('.').map(Number);
  const b = highest.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return true;
}

/** Graph (REST) ids are URL-safe base64; EWS ids the same bytes in standard base64 (as Outlook converts them). */
export const restToEws = (id: string): string => id.replace(/-/g, '/').replace(/_/g, '+');
export const ewsToRest = (id: string): string => id.replace(/\//g, '-').replace(/\+/g, '_');

/** Office.onReady as Outlook on the web answers it: the callback (if any) and the promise, on the next tick. */
export function onReadyApi() {
  const ready = { host: OFFICE_ENUMS.HostType.Outlook, platform: OFFICE_ENUMS.PlatformType.OfficeOnline };
  return {
    onReady(callback?: (info: typeof ready) => void): Promise<typeof ready> {
      if (typeof callback === 'function') setTimeout(() => callback(ready), 0);
      return Promise.resolve(ready);
    },
  };
}
