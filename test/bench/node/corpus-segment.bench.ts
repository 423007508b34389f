// Segmenter + dedup throughput in Node (no IndexedDB): ~10 MB of generated web pages and of
// plain-text records through segmentDocument and the in-memory Deduplicator. The in-browser
// ingest bench measures the same path end to end with IndexedDB writes.
import { loadavg } from 'node:os';
import { parseHTML } from 'linkedom';
import { expect, it } from 'vitest';
import { dedupSegments, Deduplicator } from '../../../src/lib/corpus/dedup';
import { segmentDocument } from '../../../src/lib/corpus/segment';
import { defaultSegmentOptions, type RawDocument } from '../../../src/lib/corpus/types';
import { measure, type BenchResult } from '../result';
import { record } from '../record-node';

const MB = 1_000_000;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Zipf-ish vocabulary of made-up words and a pool of sentences drawn from it. */
function sentencePool(seed: number, size: number): string[] {
  const r = rng(seed);
  const syllables = [
    'ka',
    'lo',
    'mi',
    'ter',
    'san',
    'vel',
    'dro',
    'pun',
    'est',
    'gra',
    'ion',
    'ul',
  ];
  const vocab = Array.from({ length: 5000 }, () => {
    let w = '';
    for (let k = 0, n = 1 + Math.floor(r() * 3); k < n; k++) w += syllables[Math.floor(r() * 12)];
    return w;
  });
  return Array.from({ length: size }, () => {
    const n = 8 + Math.floor(r() * 16);
    const ws = Array.from({ length: n }, () => vocab[Math.floor(vocab.length * r() ** 2.2)]);
    const s = ws.join(' ');
    return s[0].toUpperCase() + s.slice(1) + '.';
  });
}

function generate(totalBytes: number, kind: 'html' | 'text'): RawDocument[] {
  const pool = sentencePool(kind === 'html' ? 1 : 2, 30_000);
  const r = rng(kind === 'html' ? 3 : 4);
  const para = (chars: number) => {
    let out = '';
    while (out.length < chars) out += (out ? ' ' : '') + pool[Math.floor(r() * pool.length)];
    return out;
  };
  const docs: RawDocument[] = [];
  let bytes = 0;
  while (bytes < totalBytes) {
    let content: string;
    if (kind === 'text') {
      const paragraphs = Array.from({ length: 2 + Math.floor(r() * 12) }, () =>
        para(200 + r() * 900),
      );
      content = paragraphs.join('\n\n');
    } else {
      let body = `<h1>${para(30)}</h1><p>${para(300)}</p>`;
      for (let s = 0, n = 3 + Math.floor(r() * 5); s < n; s++) {
        body += `<h2>${para(25)}</h2><p>${para(200 + r() * 800)}</p>`;
        if (r() < 0.5)
          body += `<h3>${para(20)}</h3><p>${para(300 + r() * 600)}</p><ul><li>${para(40)}</li><li>${para(40)}</li></ul>`;
      }
      const chrome = `<header><nav>${'<a href="/x">Link</a>'.repeat(30)}</nav></header>`;
      const scripts = `<script>${'var a = function () { return 1; };'.repeat(60)}</script><style>${'.c{color:red}'.repeat(80)}</style>`;
      const main =
        docs.length % 2 === 0
          ? `<main><article>${body}</article></main>`
          : `<div id="content"><div class="post">${body}</div></div>`;
      content = `<!doctype html><html><head><title>${para(30)}</title>${scripts}</head><body>${chrome}${main}<aside><h3>Related posts</h3><ul><li>${para(40)}</li></ul></aside><footer><p>Copyright</p></footer></body></html>`;
    }
    docs.push({ source: `gen.${kind}`, offset: docs.length, format: kind, content });
    bytes += content.length;
  }
  return docs;
}

async function run(kind: 'html' | 'text', target: number): Promise<BenchResult[]> {
  const docs = generate(10 * MB, kind);
  const bytes = docs.reduce((n, d) => n + d.content.length, 0);
  const dedup = new Deduplicator();
  let segTime = 0;
  let dedupTime = 0;
  let kept = 0;
  let total = 0;
  const cpu0 = process.cpuUsage();
  for (const doc of docs) {
    const t0 = performance.now();
    const { segments } = segmentDocument(doc, defaultSegmentOptions);
    const t1 = performance.now();
    const out = await dedupSegments(
      segments.map((s, i) => ({ ...s, id: `${doc.offset}-${i}` })),
      dedup,
    );
    dedupTime += performance.now() - t1;
    segTime += t1 - t0;
    total += out.length;
    kept += out.filter((s) => !s.dropReason).length;
  }
  const cpu = process.cpuUsage(cpu0);
  // Reference under the same machine load: linkedom parsing alone, the floor of the HTML path.
  let parseTime = 0;
  if (kind === 'html') {
    const t0 = performance.now();
    for (const doc of docs) parseHTML(doc.content);
    parseTime = performance.now() - t0;
  }
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  expect(kept).toBeGreaterThan(0);
  const seconds = (segTime + dedupTime) / 1000;
  const detail = `${(bytes / MB).toFixed(1)} MB, ${docs.length} docs, ${total} segments (${kept} kept); segment ${(bytes / MB / (segTime / 1000)).toFixed(1)} MB/s, dedup ${(bytes / MB / (dedupTime / 1000)).toFixed(1)} MB/s${parseTime ? `; linkedom parse alone ${(bytes / MB / (parseTime / 1000)).toFixed(1)} MB/s` : ''}; CPU-time ${(bytes / MB / cpuSeconds).toFixed(1)} MB/s; load avg ${loadavg()[0].toFixed(1)}`;
  return [
    measure(
      `segment+dedup ${kind} (node)`,
      bytes / MB / seconds,
      'MB/s',
      { atLeast: target },
      detail,
    ),
  ];
}

it('segment + dedup throughput', async () => {
  const results = [...(await run('html', 5)), ...(await run('text', 20))];
  for (const r of results) console.log(`[bench] ${r.name}: ${r.value} MB/s — ${r.detail}`);
  record('corpus-segment', results);
});
