import type { HostInfo, MailItem, OfficeError } from '../../../addin/office/types';
import { loadAddin } from '../support/load-addin';
import { installOffice, type OfficeFake } from '../support/office-mock';

interface MailboxModule {
  officeReady(): Promise<HostInfo>;
  currentItem(): Promise<MailItem | null>;
  onItemChanged(handler: () => void): Promise<() => Promise<void>>;
  userAddress(): string | undefined;
}
const { officeReady, currentItem, onItemChanged, userAddress } = loadAddin<MailboxModule>('office/mailbox');
const { OfficeError: OfficeErrorClass } = loadAddin<{ OfficeError: typeof OfficeError }>('office/types');

const QUESTION = {
  itemType: 'message',
  internetMessageId: '<question-1@customer.test>',
  subject: 'Printer on fire',
  from: { emailAddress: 'pat@customer.test', displayName: 'Pat Customer' },
  dateTimeCreated: new Date('2025-03-01T09:30:00Z'),
};

let fake: OfficeFake | undefined;
afterEach(() => fake?.restore());

describe('officeReady', () => {
  it('reports Outlook, and nested app authentication only when Outlook supports NestedAppAuth 1.1', async () => {
    fake = installOffice({ sets: { Mailbox: true, NestedAppAuth: true } });
    expect(await officeReady()).toEqual({ inOutlook: true, nestedAppAuth: true });
    fake.restore();
    fake = installOffice({ sets: { Mailbox: true } });
    expect(await officeReady()).toEqual({ inOutlook: true, nestedAppAuth: false });
  });

  it('is "not in Outlook" when office.js runs outside Office (host null) or is missing', async () => {
    fake = installOffice({ host: null, sets: { NestedAppAuth: true } });
    expect(await officeReady()).toEqual({ inOutlook: false, nestedAppAuth: false });
    fake.restore();
    fake = undefined;
    expect(await officeReady()).toEqual({ inOutlook: false, nestedAppAuth: false });
  });
});

describe('currentItem', () => {
  it('turns the selected message into plain data: id, subject, sender, mailbox and ISO arrival time', async () => {
    fake = installOffice({ item: QUESTION });
    expect(await currentItem()).toEqual({
      internetMessageId: '<question-1@customer.test>',
      subject: 'Printer on fire',
      from: { address: 'pat@customer.test', name: 'Pat Customer' },
      mailbox: 'alex@contoso.test',
      receivedAt: '2025-03-01T09:30:00.000Z',
    });
    expect(userAddress()).toBe('alex@contoso.test');
  });

  it('treats a null item (pinned pane, nothing selected) as nothing selected, not as an error', async () => {
    fake = installOffice({ item: null });
    await expect(currentItem()).resolves.toBeNull();
  });

  it('ignores items that are not messages (a meeting selected in a pinned pane)', async () => {
    fake = installOffice({ item: { ...QUESTION, itemType: 'appointment' } });
    await expect(currentItem()).resolves.toBeNull();
  });

  it("uses a shared folder's owner as the mailbox, and the user's own address when the item is not shared", async () => {
    fake = installOffice({ item: { ...QUESTION, getSharedPropertiesAsync: (cb) => cb({ status: 'succeeded', value: { owner: 'support@contoso.test' } }) } });
    expect((await currentItem())?.mailbox).toBe('support@contoso.test');
    fake.restore();
    fake = installOffice({ item: { ...QUESTION, getSharedPropertiesAsync: (cb) => cb({ status: 'failed', error: { code: 9041, message: 'not shared' } }) } });
    expect((await currentItem())?.mailbox).toBe('alex@contoso.test');
  });

  it('keeps an empty Internet Message-ID empty (the pane explains it) and tolerates a missing date', async () => {
    fake = installOffice({ item: { itemType: 'message', internetMessageId: '', subject: 'Draft' } });
    expect(await currentItem()).toMatchObject({ internetMessageId: '', subject: 'Draft', from: null, receivedAt: null });
  });
});

describe('onItemChanged', () => {
  it('registers for ItemChanged, calls the handler on each change, and the remover unregisters it', async () => {
    fake = installOffice({ item: QUESTION });
    const handler = jest.fn();
    const remove = await onItemChanged(handler);
    expect(fake.itemChangedHandlers).toHaveLength(1);
    fake.select({ ...QUESTION, internetMessageId: '<other@customer.test>' });
    fake.select(null);
    expect(handler).toHaveBeenCalledTimes(2);
    await remove();
    expect(fake.itemChangedHandlers).toHaveLength(0);
  });

  it("rejects with Office's error code when Outlook refuses the handler (instead of throwing inside the callback)", async () => {
    fake = installOffice({ item: QUESTION, addHandlerFails: { code: 5000, message: 'not supported' } });
    const error = await onItemChanged(() => undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OfficeErrorClass);
    expect((error as OfficeError).code).toBe(5000);
  });
});
