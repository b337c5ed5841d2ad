import { AdaptivePageSize, CLEAN_PAGES_TO_GROW, MIN_ADAPTIVE_PAGE_SIZE } from '../../../server/graph/adaptive-page-size';

// A 504 on a list page means "too large to assemble in time": the mailbox's pages shrink and stay smaller
// until clean pages show a larger size may work again. Without the memory every sync would start at the
// configured size and pay a gateway timeout again.

describe('adaptive list page size', () => {
  it('uses the configured size until a page times out', () => {
    const size = new AdaptivePageSize();
    expect(size.current(100)).toBe(100);
    size.clean(100);
    expect(size.current(100)).toBe(100);
  });

  it('halves on each gateway timeout, never below the minimum', () => {
    const size = new AdaptivePageSize();
    size.timedOut(100);
    expect(size.current(100)).toBe(50);
    size.timedOut(50);
    expect(size.current(100)).toBe(25);
    size.timedOut(25);
    size.timedOut(12);
    size.timedOut(3);
    expect(size.current(100)).toBe(MIN_ADAPTIVE_PAGE_SIZE);
  });

  it('a timeout at a size above the learnt one does not raise it', () => {
    const size = new AdaptivePageSize();
    size.timedOut(40);
    size.timedOut(100);
    expect(size.current(100)).toBe(20);
  });

  it('doubles back after enough clean pages in a row, up to the configured size and no further', () => {
    const size = new AdaptivePageSize();
    size.timedOut(100);
    size.timedOut(50);
    for (let i = 1; i < CLEAN_PAGES_TO_GROW; i++) size.clean(100);
    expect(size.current(100)).toBe(25);
    size.clean(100);
    expect(size.current(100)).toBe(50);
    for (let i = 0; i < CLEAN_PAGES_TO_GROW; i++) size.clean(100);
    expect(size.current(100)).toBe(100);
    for (let i = 0; i < CLEAN_PAGES_TO_GROW; i++) size.clean(100);
    expect(size.current(100)).toBe(100);
  });

  it('a timeout between clean pages starts the count again', () => {
    const size = new AdaptivePageSize();
    size.timedOut(100);
    for (let i = 1; i < CLEAN_PAGES_TO_GROW; i++) size.clean(100);
    size.timedOut(50);
    for (let i = 1; i < CLEAN_PAGES_TO_GROW; i++) size.clean(100);
    expect(size.current(100)).toBe(25);
  });

  it('never asks for more than the configured size, even when that is below what it learnt', () => {
    const size = new AdaptivePageSize();
    size.timedOut(100);
    expect(size.current(20)).toBe(20);
  });
});
