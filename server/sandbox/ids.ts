/**
 * Exchange-style opaque ids. Every id is base64 of a small binary record (Graph's alphabet: `-` for `/`, `_`
 * for `+`), starting `AAMk` like Exchange's. Decoding tells a malformed id (400 ErrorInvalidIdMalformed) from a
 * well-formed one that names nothing (404 ErrorItemNotFound), as Graph does. Ids are computed, not stored.
 */

const MAGIC = [0x00, 0x03, 0x24] as const;

export const IdKind = {
  /** A message's REST id: changes when the message moves (it encodes the move generation). */
  Message: 0x01,
  /** A message's immutable id (Prefer: IdType="ImmutableId"): survives moves. */
  ImmutableMessage: 0x02,
  Folder: 0x03,
  Attachment: 0x04,
  Conversation: 0x05,
} as const;
export type IdKind = (typeof IdKind)[keyof typeof IdKind];

export interface DecodedId {
  kind: IdKind;
  /** The mailbox owner's object id (16 bytes of the GUID). */
  mailboxGuid: string;
  /** Message sequence number, folder key, or conversation hash fragment. */
  n: number;
  /** Move generation for message ids; attachment index for attachment ids. */
  extra: number;
  /** Second number for attachment ids: the message's move generation is irrelevant, this is its index. */
  extra2: number;
}

export function encodeId(kind: IdKind, mailboxGuid: string, n: number, extra = 0, extra2 = 0): string {
  const buf = Buffer.alloc(3 + 1 + 16 + 4 + 2 + 2 + 1);
  MAGIC.forEach((b, i) => buf.writeUInt8(b, i));
  buf.writeUInt8(kind, 3);
  Buffer.from(mailboxGuid.replace(/-/g, ''), 'hex').copy(buf, 4);
  buf.writeUInt32BE(n >>> 0, 20);
  buf.writeUInt16BE(extra & 0xffff, 24);
  buf.writeUInt16BE(extra2 & 0xffff, 26);
  // A trailing zero byte makes 29 bytes, so the base64 ends in '=' as Exchange's ids do.
  return buf.toString('base64').replace(/\//g, '-').replace(/\+/g, '_');
}

const ID_PATTERN = /^[A-Za-z0-9\-_]+={0,2}$/;

export function decodeId(id: string): DecodedId | undefined {
  if (!ID_PATTERN.test(id) || id.length % 4 !== 0) return undefined;
  const buf = Buffer.from(id.replace(/-/g, '/').replace(/_/g, '+'), 'base64');
  if (buf.length !== 29 || MAGIC.some((b, i) => buf[i] !== b)) return undefined;
  const kind = buf.readUInt8(3);
  if (!Object.values(IdKind).includes(kind as IdKind)) return undefined;
  const hex = buf.subarray(4, 20).toString('hex');
  return {
    kind: kind as IdKind,
    mailboxGuid: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    n: buf.readUInt32BE(20),
    extra: buf.readUInt16BE(24),
    extra2: buf.readUInt16BE(26),
  };
}
