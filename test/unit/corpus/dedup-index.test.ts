// The in-memory dedup index of a job: the sharded fingerprint table, and near duplicates
// decided against signatures that live only on disk (loaded on demand) or in the chunk in flight.
import { describe, expect, it } from 'vitest';
import type { DedupChunkSource } from '../../../src/lib/corpus/dedup-index';
import { FingerprintMultimap } from '../../../src/lib/corpus/key-table';
import type { DedupChunk } from '../../../src/lib/domain';
import { WorkspaceDedup } from '../../../src/lib/pipeline/dedup-port';

/** Committed chunks as plain data (what the store persists), counting signature loads. */
class MemoryChunks implements DedupChunkSource {
  readonly chunks: DedupChunk[] = [];
  signatureLoads = 0;
  put(chunk: DedupChunk): void {
    this.chunks.push(chunk);
  }
  async forEachChunk(workspaceId: string, visit: (chunk: DedupChunk) => void): Promise<void> {
    for (const c of this.chunks) if (c.workspaceId === workspaceId) visit(c);
  }
  async signatures(chunkId: string): Promise<Uint32Array | undefined> {
    this.signatureLoads++;
    return this.chunks.find((c) => c.id === chunkId)?.signatures;
  }
}

function words(seed: number, n: number): string {
  let s = seed >>> 0;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(`w${s % 5000}`);
  }
  return out.join(' ') + '.';
}

describe('FingerprintMultimap', () => {
  it('finds every ordinal under its print after many growths, in insertion order', () => {
    const table = new FingerprintMultimap();
    const prints: number[] = [];
    for (let i = 0; i < 60_000; i++) {
      const p = (Math.imul(i + 1, 0x9e3779b1) ^ (i << 7)) >>> 0;
      prints.push(p);
      table.add(p, i);
      if (i % 3 === 0) table.add(p, i + 100_000); // a second ordinal under the same print
    }
    expect(table.size).toBe(80_000);
    for (let i = 0; i < prints.length; i += 7) {
      const got = table.get(prints[i]);
      expect(got).toEqual(i % 3 === 0 ? [i, i + 100_000] : [i]);
    }
    let strays = 0;
    for (let i = 0; i < 10_000; i++) strays += table.get((i * 2654435761 + 12345) >>> 0).length;
    expect(strays).toBeLessThan(5);
  });
});

describe('ChunkedDedupIndex', () => {
  it('decides near duplicates against in-flight and on-disk signatures, across reopen', async () => {
    const db = new MemoryChunks();
    const commitPending = async (dedup: WorkspaceDedup) => {
      const chunk = dedup.takePending();
      if (chunk) db.put(chunk);
      dedup.committed();
    };
    const original = words(1, 80);
    const edited = original.replace('w', 'x'); // one word changed: Jaccard well above 0.8
    const first = await WorkspaceDedup.open(db, 'w');
    expect((await first.check('a', original)).reason).toBeUndefined();
    const unrelated = Array.from({ length: 50 }, (_, i) => words(100 + i, 60));
    for (const [i, text] of unrelated.entries())
      expect((await first.check(`u${i}`, text)).reason).toBeUndefined();
    const chunk = first.takePending(); // in flight: not on disk yet
    expect((await first.check('b', edited)).reason).toBe('near-duplicate');
    db.put(chunk!);
    first.committed();
    await commitPending(first);

    const reopened = await WorkspaceDedup.open(db, 'w');
    const verdict = await reopened.check('c', edited);
    expect(verdict.reason).toBe('near-duplicate');
    expect((await reopened.check('d', original)).reason).toBe('exact-duplicate');
    expect((await reopened.check('e', words(999, 70))).reason).toBeUndefined();
    // Only the near-duplicate decision after the reopen needed a full signature from disk.
    expect(db.signatureLoads).toBe(1);
    expect(await db.forEachChunk('other', () => expect.unreachable())).toBeUndefined();
  });
});
