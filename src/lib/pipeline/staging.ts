// Staging of uploaded files into the Origin Private File System (OPFS). A File object from a
// drop or picker dies with the page, so a reload mid-ingest could not resume from it; a
// streamed copy in OPFS survives reloads, is readable from workers, and is deleted once the
// file is fully ingested. The demo corpus is not staged: it is re-fetched from its URL.

const stagingDir = 'ingest-staging';

/** True where OPFS with writable streams is available (Chromium ≥ 86, Firefox ≥ 111, Safari ≥ 17). */
export function opfsAvailable(): boolean {
  return (
    typeof navigator !== 'undefined' &&
    typeof navigator.storage?.getDirectory === 'function' &&
    typeof FileSystemFileHandle !== 'undefined' &&
    'createWritable' in FileSystemFileHandle.prototype
  );
}

async function dir(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(stagingDir, { create: true });
}

/**
 * Streams `file` into OPFS under `key` (one flat name per source file record). The copy is
 * written to a temporary name and renamed only when complete, so a crash mid-copy never
 * leaves a truncated file that would later be taken for the whole input.
 */
export async function stageFile(key: string, file: Blob, signal?: AbortSignal): Promise<string> {
  const d = await dir();
  const tmp = await d.getFileHandle(`${key}.part`, { create: true });
  const writable = await tmp.createWritable();
  await file.stream().pipeTo(writable, { signal });
  const withMove = tmp as FileSystemFileHandle & { move?: (name: string) => Promise<void> };
  if (typeof withMove.move === 'function') {
    await withMove.move(key);
  } else {
    // No rename: copy once more (rare: older engines only).
    const final = await d.getFileHandle(key, { create: true });
    const w = await final.createWritable();
    await (await tmp.getFile()).stream().pipeTo(w);
    await d.removeEntry(`${key}.part`);
  }
  return `${stagingDir}/${key}`;
}

/** The staged copy as a File, or null when it is missing (storage cleared, never finished). */
export async function openStaged(path: string): Promise<File | null> {
  const name = path.slice(path.lastIndexOf('/') + 1);
  try {
    const handle = await (await dir()).getFileHandle(name);
    return await handle.getFile();
  } catch {
    return null;
  }
}

export async function removeStaged(path: string): Promise<void> {
  const name = path.slice(path.lastIndexOf('/') + 1);
  try {
    await (await dir()).removeEntry(name);
  } catch {
    // Already gone: nothing to free.
  }
}
