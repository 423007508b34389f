// Everything an import stored for a workspace, with its random parts taken out, so two runs
// of the ingest job can be compared record for record: every id (UUIDv7, sortable in write
// order) becomes its rank among the ids of both the snapshot, timestamps are dropped, and
// typed arrays become plain arrays. Equal snapshots = same documents, segments, drop reasons,
// dedup decisions and index chunks, committed in the same batches.
import type { Db } from '../../src/lib/store/db';

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const stores = [
  'sourceFiles',
  'documents',
  'segments',
  'segmentPages',
  'dedupChunks',
  'corpusStats',
] as const;

/** `omit`: more keys to leave out (e.g. `origin`, where one run staged files and one did not). */
export async function ingestSnapshot(
  db: Db,
  workspaceId: string,
  omit: string[] = [],
): Promise<string> {
  const raw: Record<string, unknown[]> = {};
  for (const name of stores) {
    const all = (await db.getAllFromIndex(name, 'byWorkspace' as never, workspaceId as never)) as {
      id?: string;
    }[];
    raw[name] = all.sort((a, b) => String(a.id).localeCompare(String(b.id)));
  }
  const json = JSON.stringify(raw, (key, value: unknown) => {
    if (/At$|^lastModified$/.test(key) || omit.includes(key)) return undefined;
    if (ArrayBuffer.isView(value)) return Array.from(value as Uint32Array);
    return value;
  });
  const ids = [...new Set(json.match(uuid) ?? [])].sort();
  const rank = new Map(ids.map((id, i) => [id, `#${i}`]));
  return json.replace(uuid, (id) => rank.get(id)!);
}
