// The save helper: streams chunks to the picked file where the File System Access API exists,
// else builds a Blob and clicks a download link; cancelling discards the partial file.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  canStreamToFile,
  saveChunks,
  type Chunkish,
  type DownloadEnv,
} from '../../../src/lib/util/download';
import { CancelledError } from '../../../src/lib/protocol/errors';

const enc = (s: string) => new TextEncoder().encode(s) as Uint8Array<ArrayBuffer>;

function fakeFs(opts: { pickerError?: Error } = {}) {
  const log: string[] = [];
  const written: Chunkish[] = [];
  const env: DownloadEnv = {
    showSaveFilePicker: async (o) => {
      log.push(`picker ${o.suggestedName} ${JSON.stringify(o.types?.[0].accept)}`);
      if (opts.pickerError) throw opts.pickerError;
      return {
        createWritable: async () => ({
          write: async (c: Chunkish) => {
            written.push(c);
          },
          close: async () => {
            log.push('close');
          },
          abort: async () => {
            log.push('abort');
          },
        }),
      };
    },
    createObjectURL: () => {
      throw new Error('not used');
    },
    revokeObjectURL: () => {},
    clickDownload: () => {
      throw new Error('not used');
    },
  };
  return { env, log, written };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('saveChunks', () => {
  it('streams to the picked file, pulling the first chunk only after the picker', async () => {
    const { env, log, written } = fakeFs();
    async function* chunks() {
      log.push('pull 1');
      yield enc('{"a":1}\n');
      log.push('pull 2');
      yield enc('{"a":2}\n');
    }
    const progress: number[] = [];
    const r = await saveChunks('train.jsonl', chunks(), {
      mime: 'application/jsonl',
      extension: '.jsonl',
      env,
      onProgress: (n) => progress.push(n),
    });
    expect(canStreamToFile(env)).toBe(true);
    expect(r).toEqual({ method: 'file-system-access', written: 16 });
    expect(log).toEqual([
      'picker train.jsonl {"application/jsonl":[".jsonl"]}',
      'pull 1',
      'pull 2',
      'close',
    ]);
    expect(written.map((c) => new TextDecoder().decode(c as Uint8Array))).toEqual([
      '{"a":1}\n',
      '{"a":2}\n',
    ]);
    expect(progress).toEqual([8, 16]);
  });

  it('a closed picker resolves to null without pulling anything', async () => {
    const abort = Object.assign(new Error('user closed'), { name: 'AbortError' });
    const { env, log } = fakeFs({ pickerError: abort });
    let pulled = false;
    async function* chunks() {
      pulled = true;
      yield enc('x');
    }
    const r = await saveChunks('a.parquet', chunks(), {
      mime: 'application/vnd.apache.parquet',
      extension: '.parquet',
      env,
    });
    expect(r).toBeNull();
    expect(pulled).toBe(false);
    expect(log).toHaveLength(1);
  });

  it('cancelling aborts the writable (the partial file is discarded) and throws CancelledError', async () => {
    const { env, log, written } = fakeFs();
    const ctrl = new AbortController();
    async function* chunks() {
      yield enc('one');
      ctrl.abort();
      yield enc('two');
    }
    const err = await saveChunks('x.jsonl', chunks(), {
      mime: 'application/jsonl',
      extension: '.jsonl',
      env,
      signal: ctrl.signal,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(written).toHaveLength(1);
    expect(log.at(-1)).toBe('abort');
  });

  it('without the API builds a Blob, clicks a download link and revokes the URL later', async () => {
    vi.useFakeTimers();
    const blobs: Blob[] = [];
    const clicks: string[] = [];
    const revoked: string[] = [];
    const env: DownloadEnv = {
      createObjectURL: (b) => {
        blobs.push(b);
        return 'blob:1';
      },
      revokeObjectURL: (u) => revoked.push(u),
      clickDownload: (url, name) => clicks.push(`${url} ${name}`),
    };
    async function* chunks() {
      yield enc('# Card\n');
      yield 'text ü\n';
    }
    const r = await saveChunks('README.md', chunks(), {
      mime: 'text/markdown',
      extension: '.md',
      env,
    });
    expect(canStreamToFile(env)).toBe(false);
    expect(r).toEqual({ method: 'blob', written: 14 });
    expect(clicks).toEqual(['blob:1 README.md']);
    expect(blobs[0].type).toBe('text/markdown');
    expect(await blobs[0].text()).toBe('# Card\ntext ü\n');
    expect(revoked).toEqual([]);
    vi.advanceTimersByTime(60_000);
    expect(revoked).toEqual(['blob:1']);
  });
});
