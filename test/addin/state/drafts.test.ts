import { draftKey, EMPTY_DRAFT, loadDraft, saveDraft, sentDraft } from '../../../addin/state/drafts';
import { loadOrder, saveOrder, sortComments, commentKind } from '../../../addin/state/conversation-order';
import { memoryStorage } from '../support/fake-services';
import { DETAIL } from '../support/fixtures';

/** Drafts and the conversation order live in localStorage: per user and ticket, robust to what is stored there. */

it('keeps a draft per user and ticket', () => {
  const store = memoryStorage();
  expect(saveDraft(store, 'Alex@Contoso.test', 42, { mode: 'note', reply: 'Hi Pat', note: 'check warranty' })).toBe(true);
  expect(loadDraft(store, 'alex@contoso.test', 42)).toEqual({ mode: 'note', reply: 'Hi Pat', note: 'check warranty' });
  // Another agent on the same computer, or another ticket, sees nothing.
  expect(loadDraft(store, 'sam@contoso.test', 42)).toEqual(EMPTY_DRAFT);
  expect(loadDraft(store, 'alex@contoso.test', 43)).toEqual(EMPTY_DRAFT);
});

it('forgets only the sent mode, and removes a draft with no text left', () => {
  const store = memoryStorage();
  const draft = { mode: 'reply' as const, reply: 'Hi', note: 'internal' };
  saveDraft(store, 'alex@contoso.test', 42, sentDraft(draft, 'reply'));
  expect(loadDraft(store, 'alex@contoso.test', 42)).toEqual({ mode: 'reply', reply: '', note: 'internal' });
  saveDraft(store, 'alex@contoso.test', 42, sentDraft(sentDraft(draft, 'reply'), 'note'));
  expect(store.map.has(draftKey('alex@contoso.test', 42))).toBe(false);
});

it('reads damaged or foreign values as no draft, and survives a storage that throws', () => {
  const store = memoryStorage();
  store.setItem(draftKey('alex@contoso.test', 42), '{not json');
  expect(loadDraft(store, 'alex@contoso.test', 42)).toEqual(EMPTY_DRAFT);
  store.setItem(draftKey('alex@contoso.test', 42), JSON.stringify({ mode: 'evil', reply: 5, note: 'n' }));
  expect(loadDraft(store, 'alex@contoso.test', 42)).toEqual({ mode: 'reply', reply: '', note: 'n' });
  const broken = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('quota'); }, removeItem: () => undefined };
  expect(loadDraft(broken, 'alex@contoso.test', 42)).toEqual(EMPTY_DRAFT);
  expect(saveDraft(broken, 'alex@contoso.test', 42, { mode: 'reply', reply: 'x', note: '' })).toBe(false);
});

it('remembers the conversation order, newest first by default', () => {
  const store = memoryStorage();
  expect(loadOrder(store)).toBe('newest');
  saveOrder(store, 'oldest');
  expect(loadOrder(store)).toBe('oldest');
});

it('sorts comments by time either way, ties by id', () => {
  const [a, b, c] = DETAIL.comments;
  const tie = { ...c!, id: 103, createdAt: c!.createdAt };
  expect(sortComments([b!, tie, a!, c!], 'oldest').map((x) => x.id)).toEqual([100, 101, 102, 103]);
  expect(sortComments([b!, tie, a!, c!], 'newest').map((x) => x.id)).toEqual([103, 102, 101, 100]);
});

it.each([
  ['email', 'public', 'customer'],
  ['api', 'public', 'reply'],
  ['api', 'internal', 'note'],
  ['email', 'internal', 'note'],
  ['system', 'public', 'system'],
  ['system', 'internal', 'system'],
] as const)('a %s comment, %s, is shown as %s', (source, visibility, kind) => {
  expect(commentKind({ source, visibility })).toBe(kind);
});
