import { afterEach, describe, expect, it, vi } from 'vitest';
import { freshStore } from './helpers';
import { ingestDocs, keptDoc } from '../pipeline/ingest-helper';
import { QuotaExceededError } from '../../../src/lib/protocol/errors';
import { approxBytes, toPlain } from '../../../src/lib/store/plain';
import { isQuotaError, toStoreError } from '../../../src/lib/store/tx';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const quotaDomError = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

describe('quota errors', () => {
  it('recognises the shapes browsers use', () => {
    expect(isQuotaError(quotaDomError())).toBe(true);
    expect(isQuotaError({ name: 'NS_ERROR_DOM_QUOTA_REACHED' })).toBe(true);
    expect(isQuotaError(new Error('x', { cause: quotaDomError() }))).toBe(true);
    expect(isQuotaError(new DOMException('Aborted', 'AbortError'))).toBe(false);
    expect(isQuotaError(new DOMException('x', 'ConstraintError'))).toBe(false);
  });

  it('maps an AbortError whose transaction error is QuotaExceededError', async () => {
    vi.stubGlobal('navigator', {
      storage: { estimate: async () => ({ usage: 900, quota: 1000 }) },
    });
    const mapped = await toStoreError(
      new DOMException('Aborted', 'AbortError'),
      quotaDomError(),
      5000,
    );
    expect(mapped).toBeInstanceOf(QuotaExceededError);
    expect((mapped as QuotaExceededError).neededBytes).toBe(5000);
    expect((mapped as QuotaExceededError).availableBytes).toBe(100);
    const other = new DOMException('x', 'ConstraintError');
    expect(await toStoreError(other, null, 1)).toBe(other);
  });

  it('a QuotaExceededError mid-batch becomes ours, with sizes, and nothing is written', async () => {
    vi.stubGlobal('navigator', { storage: { estimate: async () => ({ usage: 10, quota: 110 }) } });
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    const originalPut = IDBObjectStore.prototype.put;
    let calls = 0;
    // The second batch's document write hits a full disk (one document per batch).
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      ...args
    ) {
      if (this.name === 'documents' && ++calls === 2) throw quotaDomError();
      return originalPut.apply(this, args);
    });
    const docs = [keptDoc(1, 3), keptDoc(2, 3), keptDoc(3, 3)];
    const err = await ingestDocs(store, ws.id, docs, { batchDocuments: 1 }).catch((e) => e);
    vi.restoreAllMocks();
    expect(err).toBeInstanceOf(QuotaExceededError);
    const quota = err as QuotaExceededError;
    // The batch's size: one document's three segments of ~1,200 characters plus records.
    expect(quota.neededBytes).toBeGreaterThan(3 * 1200);
    expect(quota.neededBytes).toBeLessThan(docs[1].length * 2);
    expect(quota.availableBytes).toBe(100);
    expect(quota.message).toMatch(/storage is full/i);
    // Only the first batch landed, with its counters and resume point: the import resumes.
    expect(await store.documents.count(ws.id)).toBe(1);
    expect(await store.segments.keptCount(ws.id)).toBe(3);
    const [file] = await store.ingest.listSourceFiles(ws.id);
    expect(file.cursor.records).toBe(1);
    expect(file.status).not.toBe('done');
    store.close();
  });
});

describe('approxBytes and toPlain', () => {
  it('sizes strings, binary and nesting plausibly', () => {
    expect(approxBytes('a'.repeat(1000))).toBeGreaterThanOrEqual(1000);
    expect(approxBytes('ä'.repeat(1000))).toBeLessThan(1100); // Latin-1: a byte per char
    expect(approxBytes('日'.repeat(1000))).toBeGreaterThanOrEqual(2000);
    expect(approxBytes(new ArrayBuffer(4096))).toBeGreaterThanOrEqual(4096);
    expect(approxBytes({ a: 'x'.repeat(100), b: [1, 2, 3] })).toBeGreaterThan(100 + 3 * 8);
  });

  it('copies proxies into plain data, keeps binary, rejects functions with a path', () => {
    const buffer = new ArrayBuffer(8);
    const value = new Proxy({ a: new Proxy([1, { b: 2 }], {}), buf: buffer, gone: undefined }, {});
    const plain = toPlain(value);
    expect(plain).toEqual({ a: [1, { b: 2 }], buf: buffer });
    expect(() => structuredClone(plain)).not.toThrow();
    expect(plain.buf).toBe(buffer);
    expect(() => toPlain({ x: { y: () => 1 } })).toThrow(/x\.y/);
  });
});
