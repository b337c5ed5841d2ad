import { encodeId, decodeId, IdKind } from './ids';
import { messageFieldsFromMime, type MessageFields } from './mime-to-message';

/**
 * Mailboxes, folders and messages, in memory. Each message keeps its raw MIME once plus the fields derived at
 * delivery; folders keep messages sorted by received time (appends are the common case) and a change log that
 * delta queries read. Sized for tens of thousands of messages per mailbox.
 */

export const WELL_KNOWN_FOLDERS = [
  { key: 1, name: 'inbox', displayName: 'Inbox' },
  { key: 2, name: 'sentitems', displayName: 'Sent Items' },
  { key: 3, name: 'drafts', displayName: 'Drafts' },
  { key: 4, name: 'deleteditems', displayName: 'Deleted Items' },
  { key: 5, name: 'archive', displayName: 'Archive' },
  { key: 6, name: 'junkemail', displayName: 'Junk Email' },
  { key: 7, name: 'outbox', displayName: 'Outbox' },
] as const;
const ROOT_KEY = 0;
const FIRST_CUSTOM_KEY = 100;
/** Tombstones kept per folder for delta; a delta token older than the oldest dropped one gets 410. */
const MAX_TOMBSTONES = 20_000;

export interface Folder {
  key: number;
  id: string;
  wellKnownName?: string;
  displayName: string;
  parentKey: number;
  /** Sorted by (receivedAt, seq). */
  messages: StoredMessage[];
  changes: Change[];
  tombstones: number;
  /** Delta tokens whose watermark is below this have lost changes: 410 SyncStateNotFound. */
  retentionFloor: number;
}

interface Change {
  cs: number;
  message?: StoredMessage;
  /** For removals: the REST id the client knew, and the sequence number (for the immutable id). */
  removedId?: string;
  removedSeq?: number;
}

export interface FolderChange {
  cs: number;
  message?: StoredMessage;
  removedId?: string;
  removedSeq?: number;
}

export interface StoredMessage {
  seq: number;
  mailbox: Mailbox;
  folder: Folder;
  gen: number;
  version: number;
  lastChangeSeq: number;
  raw: Buffer;
  fields: MessageFields;
  receivedAt: number;
  createdAt: number;
  lastModifiedAt: number;
  isRead: boolean;
  isDraft: boolean;
  categories: string[];
  flagStatus: 'notFlagged' | 'flagged' | 'complete';
}

export interface Mailbox {
  /** The owner's object id; Graph's /users/{id}. */
  guid: string;
  address: string;
  displayName: string;
  tenantId: string;
  folders: Map<number, Folder>;
  messages: Map<number, StoredMessage>;
  /** Keyed by the Message-ID in lower case: Exchange's $filter compares it case-insensitively. */
  byInternetMessageId: Map<string, StoredMessage[]>;
  nextSeq: number;
  nextFolderKey: number;
  changeSeq: number;
  /** Bumped to invalidate every delta token of the mailbox at once (control API reset). */
  syncEpoch: number;
}

export type StoreEvent = { type: 'created' | 'updated' | 'deleted'; message: StoredMessage; folder: Folder; id: string };
export type Lookup<T> = { ok: true; value: T } | { ok: false; error: 'malformed' | 'notfound' };

export class MailStore {
  private readonly mailboxes = new Map<string, Mailbox>();
  private readonly byAddress = new Map<string, Mailbox>();
  private readonly listeners: ((e: StoreEvent) => void)[] = [];

  constructor(private readonly messageIdHost: string) {}

  onChange(listener: (e: StoreEvent) => void): void {
    this.listeners.push(listener);
  }

  ensureMailbox(input: { guid: string; address: string; displayName: string; tenantId: string }): { mailbox: Mailbox; created: boolean } {
    const existing = this.mailboxes.get(input.guid);
    if (existing) {
      existing.displayName = input.displayName;
      return { mailbox: existing, created: false };
    }
    const mailbox: Mailbox = {
      ...input,
      folders: new Map(),
      messages: new Map(),
      byInternetMessageId: new Map(),
      nextSeq: 1,
      nextFolderKey: FIRST_CUSTOM_KEY,
      changeSeq: 0,
      syncEpoch: 1,
    };
    mailbox.folders.set(ROOT_KEY, this.newFolder(mailbox, ROOT_KEY, 'Top of Information Store', ROOT_KEY, 'msgfolderroot'));
    for (const f of WELL_KNOWN_FOLDERS) mailbox.folders.set(f.key, this.newFolder(mailbox, f.key, f.displayName, ROOT_KEY, f.name));
    this.mailboxes.set(mailbox.guid, mailbox);
    this.byAddress.set(mailbox.address.toLowerCase(), mailbox);
    return { mailbox, created: true };
  }

  mailboxByGuid(guid: string): Mailbox | undefined {
    return this.mailboxes.get(guid.toLowerCase());
  }

  mailboxByAddress(address: string): Mailbox | undefined {
    return this.byAddress.get(address.toLowerCase());
  }

  allMailboxes(): Mailbox[] {
    return [...this.mailboxes.values()];
  }

  createFolder(mailbox: Mailbox, displayName: string, parent: Folder): Folder {
    const key = mailbox.nextFolderKey++;
    const folder = this.newFolder(mailbox, key, displayName, parent.key);
    mailbox.folders.set(key, folder);
    return folder;
  }

  /** A folder by id or well-known name (case-insensitive, as Graph accepts `Inbox` and `inbox`). */
  folder(mailbox: Mailbox, idOrName: string): Lookup<Folder> {
    const lower = idOrName.toLowerCase();
    for (const f of mailbox.folders.values()) if (f.wellKnownName === lower) return { ok: true, value: f };
    const d = decodeId(idOrName);
    if (!d || d.kind !== IdKind.Folder) return { ok: false, error: 'malformed' };
    const f = d.mailboxGuid === mailbox.guid ? mailbox.folders.get(d.n) : undefined;
    return f ? { ok: true, value: f } : { ok: false, error: 'notfound' };
  }

  inbox(mailbox: Mailbox): Folder {
    return mustFolder(mailbox, 1);
  }

  wellKnown(mailbox: Mailbox, name: (typeof WELL_KNOWN_FOLDERS)[number]['name']): Folder {
    const f = WELL_KNOWN_FOLDERS.find((w) => w.name === name);
    return mustFolder(mailbox, f ? f.key : 1);
  }

  restId(m: StoredMessage): string {
    return encodeId(IdKind.Message, m.mailbox.guid, m.seq, m.gen);
  }

  immutableId(m: StoredMessage): string {
    return encodeId(IdKind.ImmutableMessage, m.mailbox.guid, m.seq);
  }

  /** Resolves a message id. A REST id from before a move no longer resolves (404), as in Exchange. */
  message(mailbox: Mailbox, id: string): Lookup<StoredMessage> {
    const d = decodeId(id);
    if (!d || (d.kind !== IdKind.Message && d.kind !== IdKind.ImmutableMessage)) return { ok: false, error: 'malformed' };
    const m = d.mailboxGuid === mailbox.guid ? mailbox.messages.get(d.n) : undefined;
    if (!m || (d.kind === IdKind.Message && m.gen !== d.extra)) return { ok: false, error: 'notfound' };
    return { ok: true, value: m };
  }

  /** Parses and stores a message. */
  async deliver(mailbox: Mailbox, raw: Buffer, options: { folder?: Folder; receivedAt?: number; isRead?: boolean; isDraft?: boolean } = {}): Promise<StoredMessage> {
    const fields = await messageFieldsFromMime(raw, this.messageIdHost);
    return this.insert(mailbox, raw, fields, options);
  }

  /** Reserves a message sequence number, so an id can be handed out before the message lands (sendMail). */
  reserveSeq(mailbox: Mailbox): number {
    return mailbox.nextSeq++;
  }

  insert(mailbox: Mailbox, raw: Buffer, fields: MessageFields, options: { folder?: Folder; receivedAt?: number; isRead?: boolean; isDraft?: boolean; seq?: number } = {}): StoredMessage {
    const now = Date.now();
    const folder = options.folder ?? this.inbox(mailbox);
    const m: StoredMessage = {
      seq: options.seq ?? mailbox.nextSeq++,
      mailbox,
      folder,
      gen: 0,
      version: 1,
      lastChangeSeq: 0,
      raw: ownedCopy(raw),
      fields,
      receivedAt: options.receivedAt ?? now,
      createdAt: now,
      lastModifiedAt: now,
      isRead: options.isRead ?? false,
      isDraft: options.isDraft ?? false,
      categories: [],
      flagStatus: 'notFlagged',
    };
    mailbox.messages.set(m.seq, m);
    const key = fields.internetMessageId.toLowerCase();
    const same = mailbox.byInternetMessageId.get(key);
    if (same) same.push(m);
    else mailbox.byInternetMessageId.set(key, [m]);
    insertSorted(folder.messages, m);
    this.recordChange(folder, m);
    this.emit({ type: 'created', message: m, folder, id: this.restId(m) });
    return m;
  }

  update(m: StoredMessage, patch: { isRead?: boolean; isDraft?: boolean; categories?: string[]; flagStatus?: StoredMessage['flagStatus'] }): void {
    if (patch.isRead !== undefined) m.isRead = patch.isRead;
    if (patch.isDraft !== undefined) m.isDraft = patch.isDraft;
    if (patch.categories !== undefined) m.categories = [...patch.categories];
    if (patch.flagStatus !== undefined) m.flagStatus = patch.flagStatus;
    m.version++;
    m.lastModifiedAt = Date.now();
    this.recordChange(m.folder, m);
    this.emit({ type: 'updated', message: m, folder: m.folder, id: this.restId(m) });
  }

  /** A draft's new content (an attachment added): same item, new MIME and fields. */
  replaceContent(m: StoredMessage, raw: Buffer, fields: MessageFields): void {
    m.raw = ownedCopy(raw);
    m.fields = fields;
    m.version++;
    m.lastModifiedAt = Date.now();
    this.recordChange(m.folder, m);
    this.emit({ type: 'updated', message: m, folder: m.folder, id: this.restId(m) });
  }

  move(m: StoredMessage, dest: Folder): void {
    if (dest === m.folder) return;
    const source = m.folder;
    const oldId = this.restId(m);
    removeSorted(source.messages, m);
    this.recordRemoval(m.mailbox, source, oldId, m.seq);
    this.emit({ type: 'deleted', message: m, folder: source, id: oldId });
    m.folder = dest;
    m.gen = (m.gen + 1) & 0xffff;
    m.version++;
    m.lastModifiedAt = Date.now();
    insertSorted(dest.messages, m);
    this.recordChange(dest, m);
    this.emit({ type: 'created', message: m, folder: dest, id: this.restId(m) });
  }

  /** Graph's DELETE: the item leaves every visible folder (it goes to Recoverable Items, which Graph does not list). */
  remove(m: StoredMessage): void {
    const id = this.restId(m);
    removeSorted(m.folder.messages, m);
    m.mailbox.messages.delete(m.seq);
    const key = m.fields.internetMessageId.toLowerCase();
    const same = m.mailbox.byInternetMessageId.get(key);
    if (same) {
      const rest = same.filter((x) => x !== m);
      if (rest.length > 0) m.mailbox.byInternetMessageId.set(key, rest);
      else m.mailbox.byInternetMessageId.delete(key);
    }
    this.recordRemoval(m.mailbox, m.folder, id, m.seq);
    this.emit({ type: 'deleted', message: m, folder: m.folder, id });
  }

  /** Changes in a folder after `sinceCs` up to `untilCs`, newest state only, in change order. */
  changesSince(folder: Folder, sinceCs: number, untilCs: number): FolderChange[] {
    const out: FolderChange[] = [];
    let lo = 0;
    let hi = folder.changes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((folder.changes[mid]?.cs ?? 0) <= sinceCs) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < folder.changes.length; i++) {
      const c = folder.changes[i];
      if (!c || c.cs > untilCs) break;
      if (c.message) {
        // Skip superseded entries and messages that have since left the folder (their tombstone follows).
        if (c.message.lastChangeSeq !== c.cs || c.message.folder !== folder || !isLive(c.message)) continue;
        out.push({ cs: c.cs, message: c.message });
      } else if (c.removedId !== undefined && c.removedSeq !== undefined) {
        out.push({ cs: c.cs, removedId: c.removedId, removedSeq: c.removedSeq });
      }
    }
    return out;
  }

  resetSync(mailbox: Mailbox): void {
    mailbox.syncEpoch++;
  }

  private recordChange(folder: Folder, m: StoredMessage): void {
    const cs = ++m.mailbox.changeSeq;
    m.lastChangeSeq = cs;
    folder.changes.push({ cs, message: m });
    this.compact(folder);
  }

  private recordRemoval(mailbox: Mailbox, folder: Folder, id: string, seq: number): void {
    folder.changes.push({ cs: ++mailbox.changeSeq, removedId: id, removedSeq: seq });
    folder.tombstones++;
    this.compact(folder);
  }

  /** Drops superseded change entries, and the oldest tombstones beyond the cap (raising the retention floor). */
  private compact(folder: Folder): void {
    if (folder.changes.length - folder.tombstones < 2 * folder.messages.length + 1000 && folder.tombstones <= MAX_TOMBSTONES) return;
    let dropTombstones = Math.max(0, folder.tombstones - Math.floor(MAX_TOMBSTONES / 2));
    const kept: Change[] = [];
    for (const c of folder.changes) {
      if (c.message) {
        if (c.message.lastChangeSeq === c.cs && c.message.folder === folder && isLive(c.message)) kept.push(c);
      } else if (dropTombstones > 0) {
        dropTombstones--;
        folder.tombstones--;
        folder.retentionFloor = Math.max(folder.retentionFloor, c.cs);
      } else {
        kept.push(c);
      }
    }
    folder.changes = kept;
  }

  private newFolder(mailbox: Mailbox, key: number, displayName: string, parentKey: number, wellKnownName?: string): Folder {
    return {
      key,
      id: encodeId(IdKind.Folder, mailbox.guid, key),
      ...(wellKnownName ? { wellKnownName } : {}),
      displayName,
      parentKey,
      messages: [],
      changes: [],
      tombstones: 0,
      retentionFloor: 0,
    };
  }

  private emit(e: StoreEvent): void {
    for (const l of this.listeners) l(e);
  }
}

function mustFolder(mailbox: Mailbox, key: number): Folder {
  const f = mailbox.folders.get(key);
  if (!f) throw new Error(`mailbox ${mailbox.address} has no folder ${key}`);
  return f;
}

/**
 * A buffer that owns exactly its bytes. Small buffers from body parsers and mailparser are views into shared
 * 8 KB pool slabs; keeping such a view keeps the whole slab alive, several times the message's size.
 */
export function ownedCopy(raw: Buffer): Buffer {
  if (raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength) return raw;
  const owned = Buffer.allocUnsafeSlow(raw.length);
  raw.copy(owned);
  return owned;
}

function isLive(m: StoredMessage): boolean {
  return m.mailbox.messages.get(m.seq) === m;
}

function compare(a: StoredMessage, b: StoredMessage): number {
  return a.receivedAt - b.receivedAt || a.seq - b.seq;
}

/** The first index whose message does not sort before `m` (binary search). */
function lowerBound(list: readonly StoredMessage[], m: StoredMessage): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = list[mid];
    if (x && compare(x, m) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(list: StoredMessage[], m: StoredMessage): void {
  const last = list[list.length - 1];
  if (!last || compare(last, m) < 0) {
    list.push(m);
    return;
  }
  list.splice(lowerBound(list, m), 0, m);
}

function removeSorted(list: StoredMessage[], m: StoredMessage): void {
  const at = lowerBound(list, m);
  if (list[at] === m) list.splice(at, 1);
  else {
    const i = list.indexOf(m);
    if (i >= 0) list.splice(i, 1);
  }
}
