import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { SeedImporter } from '../../../src/lib/pipeline/seed-import-service';
import { InputError } from '../../../src/lib/protocol';
import { openStore, type Store } from '../../../src/lib/store';

let store: Store | null = null;
afterEach(() => store?.close());

const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('seed import', () => {
  it('previews the detected shape, reports bad lines and writes only valid pairs', async () => {
    store = await openStore('seeds-1');
    const ws = await store.workspaces.create('Seeds');
    const importer = new SeedImporter(store);
    const f = new File(
      [
        jsonl([
          { instruction: 'Name a fruit.', input: '', output: 'Apple.' },
          { instruction: 'Add 2 and 2.', output: 4 },
          { instruction: 'Say hi.', output: 'Hi!' },
        ]),
      ],
      'alpaca.jsonl',
    );
    const preview = await importer.preview(f);
    expect(preview.shape).toBe('alpaca');
    expect(preview.fields).toEqual(['instruction', 'input', 'output']);
    expect(preview.valid).toBe(2);
    expect(preview.errors).toEqual([
      expect.objectContaining({ line: 2, message: expect.stringMatching(/output/) }),
    ]);
    const result = await importer.importFile(ws.id, f);
    expect(result.imported).toBe(2);
    expect(result.errors).toHaveLength(1);
    const seeds = await store.seeds.list(ws.id);
    expect(seeds.map((s) => s.output).sort()).toEqual(['Apple.', 'Hi!']);
  });

  it('asks for a mapping when the shape is unknown and uses the one given', async () => {
    store = await openStore('seeds-2');
    const ws = await store.workspaces.create('Seeds');
    const importer = new SeedImporter(store);
    const f = new File([jsonl([{ q: 'Why?', a: 'Because.' }])], 'custom.jsonl');
    const preview = await importer.preview(f);
    expect(preview.shape).toBeNull();
    expect(preview.problem).toMatch(/custom\.jsonl.*could not recognise/);
    expect(preview.fields).toEqual(['q', 'a']);
    const mapped = await importer.preview(f, { instruction: 'q', output: 'a' });
    expect(mapped.rows).toEqual([{ instruction: 'Why?', output: 'Because.' }]);
    await expect(importer.importFile(ws.id, f)).rejects.toBeInstanceOf(InputError);
    const result = await importer.importFile(ws.id, f, { instruction: 'q', output: 'a' });
    expect(result.imported).toBe(1);
  });
});
