// office-addin-mock needs office-addin-manifest only for its OfficeApp enum, but that package's index pulls in
// ESM-only modules jest cannot load on Node 20 (see ../../../shared/TOOLCHAIN.md). The enum's own file is plain
// CommonJS with no imports: use it. (jest hoists this above the import below.)
jest.mock('office-addin-manifest', () => jest.requireActual('office-addin-manifest/lib/officeApp'));

import { OfficeMockObject } from 'office-addin-mock';

/**
 * A fake `Office` global for addin/office/ tests: office-addin-mock's OfficeMockObject for the Outlook object
 * model, plus the enums office.js defines (with their real string values) and an ItemChanged registry the test
 * can fire. office-addin-mock throws on null in its seed, so a null item is assigned afterwards.
 */

export type Callback<T = unknown> = (result: { status: string; value?: T; error?: { code: number; message: string } }) => void;

export interface MockItem {
  itemType?: string;
  internetMessageId?: string;
  subject?: string;
  from?: { emailAddress: string; displayName: string };
  dateTimeCreated?: Date;
  getSharedPropertiesAsync?: (callback: Callback<{ owner: string }>) => void;
}

export interface OfficeFake {
  /** The Office global as installed. */
  office: Record<string, unknown> & { context: { mailbox: Record<string, unknown> & { item: unknown } } };
  /** ItemChanged handlers registered through addHandlerAsync. */
  itemChangedHandlers: (() => void)[];
  /** Sets the selected item (null = nothing selected) and fires ItemChanged. */
  select(item: MockItem | null): void;
  restore(): void;
}

export const ENUMS = {
  HostType: { Outlook: 'Outlook', Word: 'Word' },
  EventType: { ItemChanged: 'olkItemSelectedChanged', DialogMessageReceived: 'dialogMessageReceived', DialogEventReceived: 'dialogEventReceived' },
  AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
  MailboxEnums: { ItemType: { Message: 'message', Appointment: 'appointment' } },
};

export function installOffice(options: { item?: MockItem | null; host?: string | null; sets?: Record<string, boolean>; addHandlerFails?: { code: number; message: string } } = {}): OfficeFake {
  const handlers: (() => void)[] = [];
  const mock = new OfficeMockObject(
    {
      host: 'outlook',
      context: {
        mailbox: {
          userProfile: { emailAddress: 'alex@contoso.test' },
          item: options.item ?? {},
          addHandlerAsync: (type: string, handler: () => void, callback: Callback) => {
            if (options.addHandlerFails) return callback({ status: 'failed', error: options.addHandlerFails });
            if (type === ENUMS.EventType.ItemChanged) handlers.push(handler);
            callback({ status: 'succeeded' });
          },
          removeHandlerAsync: (type: string, callback: Callback) => {
            if (type === ENUMS.EventType.ItemChanged) handlers.length = 0;
            callback({ status: 'succeeded' });
          },
        },
        requirements: { isSetSupported: (name: string) => options.sets?.[name] ?? name === 'Mailbox' },
        ui: {},
      },
    },
  ) as unknown as OfficeFake['office'];
  const office = Object.assign(mock, ENUMS, {
    onReady: async () => ({ host: options.host === undefined ? 'Outlook' : options.host, platform: 'OfficeOnline' }),
  });
  if (options.item === null) office.context.mailbox.item = null;
  const previous = (globalThis as Record<string, unknown>)['Office'];
  (globalThis as Record<string, unknown>)['Office'] = office;
  return {
    office,
    itemChangedHandlers: handlers,
    select(item) {
      office.context.mailbox.item = item;
      for (const h of [...handlers]) h();
    },
    restore() {
      (globalThis as Record<string, unknown>)['Office'] = previous;
    },
  };
}
