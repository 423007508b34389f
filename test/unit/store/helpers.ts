// Shared set-up for store tests: a fresh database per test (fake-indexeddb in Node).
import 'fake-indexeddb/auto';
import { openStore, type Store } from '../../../src/lib/store';
import { openDatabase, type Db } from '../../../src/lib/store/db';
import type { DocumentRecord, SegmentRecord } from '../../../src/lib/domain';
import { newId } from '../../../src/lib/util/ids';

export async function freshStore(): Promise<{ store: Store; name: string }> {
  const name = `test-${newId()}`;
  return { store: await openStore(name), name };
}

/**
 * A second, raw connection to a test database, for what the app never does: inspecting
 * record counts and writing records an earlier version of the app left on disk.
 */
export function rawDb(name: string): Promise<Db> {
  return openDatabase(name);
}

export function makeDocs(workspaceId: string, sourceFileId: string, n: number): DocumentRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    id: newId(),
    workspaceId,
    sourceFileId,
    offset: i,
    title: `Doc ${i}`,
    chars: 1000,
  }));
}

export function makeSegments(
  workspaceId: string,
  doc: DocumentRecord,
  n: number,
  dropReason?: SegmentRecord['dropReason'],
): SegmentRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    id: newId(),
    workspaceId,
    documentId: doc.id,
    sourceFileId: doc.sourceFileId,
    headerPath: ['Doc', `Part ${i}`],
    text: `Segment ${i} of ${doc.id} ${dropReason ?? 'kept'} `.repeat(20),
    chars: 600,
    hash: `h-${doc.id}-${i}-${dropReason ?? 'kept'}`,
    ...(dropReason ? { dropReason } : {}),
  }));
}
