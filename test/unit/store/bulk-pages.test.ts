// Candidate pages read in bulk (cursor.ts pageByIndexBulk): the same pages, in the same
// order, as a record-by-record cursor, when two runs' candidates are interleaved in key
// order (written at the same time), for every page size, and resuming after any candidate.
import { describe, expect, it } from 'vitest';
import type { Candidate } from '../../../src/lib/domain';
import { freshStore } from './helpers';

function candidate(id: string, workspaceId: string, runId: string): Candidate {
  return {
    id,
    workspaceId,
    runId,
    segmentId: `seg-${id}`,
    documentId: 'd',
    headerPath: [],
    output: `output ${id}`,
    rawInstruction: `instruction ${id}`,
    instruction: `instruction ${id}`,
    producedBy: 'm',
    ratings: [],
  };
}

describe('candidates.page reads in bulk', () => {
  it('pages interleaved runs exactly, for every page size and resume point', async () => {
    const { store } = await freshStore();
    const ws = (await store.workspaces.create('w')).id;
    const a = await store.runs.create(ws, { name: 'a', config: {} });
    const b = await store.runs.create(ws, { name: 'b', config: {} });
    // Ids in key order: a, b, b, a, a, b, a, then b's tail after a's last one.
    const layout = ['a', 'b', 'b', 'a', 'a', 'b', 'a', 'b', 'b'];
    const all = layout.map((run, i) =>
      candidate(`id-${String(i).padStart(2, '0')}`, ws, run === 'a' ? a.id : b.id),
    );
    await store.candidates.putBatch(all);
    for (const run of [a, b]) {
      const mine = all.filter((c) => c.runId === run.id).map((c) => c.id);
      for (let size = 1; size <= mine.length + 1; size++) {
        const seen: string[] = [];
        let after: string | undefined;
        let pages = 0;
        do {
          const page = await store.candidates.page(run.id, size, after);
          expect(page.items.length).toBeLessThanOrEqual(size);
          seen.push(...page.items.map((c) => c.id));
          after = page.next;
          pages++;
        } while (after !== undefined);
        expect(seen, `run ${run.name}, page size ${size}`).toEqual(mine);
        expect(pages).toBe(Math.max(1, Math.ceil(mine.length / size)));
      }
      // Resuming after any of the run's candidates gives the rest.
      for (let k = 0; k < mine.length; k++) {
        const page = await store.candidates.page(run.id, 100, mine[k]);
        expect(page.items.map((c) => c.id)).toEqual(mine.slice(k + 1));
        expect(page.next).toBeUndefined();
      }
    }
    const empty = await store.runs.create(ws, { name: 'empty', config: {} });
    expect(await store.candidates.page(empty.id, 5)).toEqual({ items: [], next: undefined });
  });
});
