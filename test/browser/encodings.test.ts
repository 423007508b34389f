// Issue 13 item 3 in real Chromium, whose windows-1252 decoder (unlike Node's, which is
// ISO-8859-1) maps bytes 0x80-0x9F to €, curly quotes and dashes: the demo page saved in
// windows-1252 comes through intact, and undeclared windows-1252 text is detected.
import { describe, expect, it } from 'vitest';
import { createReadStats, readFile } from '../../src/lib/corpus/read-file';
import type { RawDocument, RecordIssue } from '../../src/lib/corpus/types';

async function readAll(f: File) {
  const stats = createReadStats();
  const issues: RecordIssue[] = [];
  const docs: RawDocument[] = [];
  for await (const d of readFile(f, { stats, onIssue: (i) => issues.push(i) })) docs.push(d);
  return { docs, issues, stats };
}

describe('legacy encodings in Chromium', () => {
  it('reads the windows-1252 demo page in its declared charset', async () => {
    const name = 'cooking-crepes-windows-1252.html';
    const res = await fetch(`/demo/${name}`);
    const r = await readAll(new File([await res.blob()], name));
    expect(r.docs[0].title).toBe('Crêpes at Home: Batter, Pan and Fillings | The Weekday Kitchen');
    for (const s of ['curly “quotes”', 'long dashes —', 'in €', 'under 5 €', 'Gruyère', '©'])
      expect(r.docs[0].content).toContain(s);
    expect(r.stats.replacementChars).toBe(0);
    expect(r.issues).toEqual([]);
  });

  it('detects undeclared windows-1252 text', async () => {
    const text =
      'Le “café” coûte 3 € — c’est très cher, dit l’élève. Où est la crème brûlée ? '.repeat(8);
    const table = new Map<string, number>();
    const decoder = new TextDecoder('windows-1252');
    for (let b = 255; b >= 0; b--) table.set(decoder.decode(new Uint8Array([b])), b);
    const bytes = Uint8Array.from([...text].map((c) => table.get(c) ?? 0x3f));
    const r = await readAll(new File([bytes], 'legacy.txt'));
    expect(r.docs[0].content).toBe(text);
    expect(r.stats.replacementChars).toBe(0);
  });
});
