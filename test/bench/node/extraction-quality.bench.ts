// Extraction quality (issue 13 item 7): word recall and precision of the extracted main text
// and of the kept segments on the generated page set of test/bench/quality (37 pages with
// known main text). Recall: share of the main text's words (as a multiset) found in the
// output; precision: share of the output's words that belong to the main text. Segments are
// measured with the paper's rule (long single-header sections dropped) and with the stated
// alternative that splits them at paragraph boundaries (packLongSections).
import { expect, it } from 'vitest';
import { words } from '../../../src/lib/corpus/filters';
import { extractHtml } from '../../../src/lib/corpus/html';
import { segmentDocument } from '../../../src/lib/corpus/segment';
import { defaultSegmentOptions, type SegmentOptions } from '../../../src/lib/corpus/types';
import { qualityPages } from '../quality/pages';
import { measure } from '../result';
import { record } from '../record-node';

function bag(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const w of words(text)) m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}
const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

function overlap(truth: Map<string, number>, got: Map<string, number>): number {
  let n = 0;
  for (const [w, c] of got) n += Math.min(c, truth.get(w) ?? 0);
  return n;
}

interface Score {
  recall: number;
  precision: number;
}
function score(truthText: string, gotText: string): Score {
  const truth = bag(truthText);
  const got = bag(gotText);
  const hit = overlap(truth, got);
  const t = total(truth);
  const g = total(got);
  return { recall: t ? hit / t : 1, precision: g ? hit / g : 0 };
}

/** A page with no output scores precision 0 (it counts against the mean, as a miss should). */
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

it('extraction quality on 37 generated pages', () => {
  const pages = qualityPages();
  expect(pages.length).toBeGreaterThanOrEqual(30);
  const paper: SegmentOptions = { ...defaultSegmentOptions };
  const split: SegmentOptions = { ...defaultSegmentOptions, packLongSections: true };
  const rows: {
    name: string;
    ext: Score;
    seg: Score;
    segSplit: Score;
    kept: number;
    keptSplit: number;
  }[] = [];
  for (const page of pages) {
    const truth = page.main.join('\n\n');
    const ex = extractHtml(page.html);
    const exText = ex.blocks.map((b) => `${b.header ?? ''}\n\n${b.text}`).join('\n\n');
    const doc = {
      source: `${page.name}.html`,
      offset: 0,
      format: 'html' as const,
      content: page.html,
    };
    const kept = (o: SegmentOptions) =>
      segmentDocument(doc, o).segments.filter((s) => !s.dropReason);
    const keptPaper = kept(paper);
    const keptSplit = kept(split);
    rows.push({
      name: page.name,
      ext: score(truth, exText),
      seg: score(truth, keptPaper.map((s) => s.text).join('\n\n')),
      segSplit: score(truth, keptSplit.map((s) => s.text).join('\n\n')),
      kept: keptPaper.length,
      keptSplit: keptSplit.length,
    });
  }
  for (const r of rows) {
    const f = (s: Score) => `R ${s.recall.toFixed(2)} P ${s.precision.toFixed(2)}`;
    console.log(
      `${r.name.padEnd(28)} extract ${f(r.ext)} | segments ${f(r.seg)} (${r.kept}) | split ${f(r.segSplit)} (${r.keptSplit})`,
    );
  }
  const detail = (pick: (r: (typeof rows)[number]) => Score) =>
    `${rows.length} pages; recall < 0.5 on ${rows.filter((r) => pick(r).recall < 0.5).length}, precision < 0.8 on ${rows.filter((r) => pick(r).precision < 0.8).length}`;
  const results = [
    measure(
      'quality: extracted word recall (mean)',
      mean(rows.map((r) => r.ext.recall)),
      'ratio',
      { atLeast: 0.95 },
      detail((r) => r.ext),
    ),
    measure(
      'quality: extracted word precision (mean)',
      mean(rows.map((r) => r.ext.precision)),
      'ratio',
      // Informational: on the multilingual pages the chrome sections sit inside the content
      // container, so only the segment filters (navigation headers) can remove them.
      undefined,
      detail((r) => r.ext),
    ),
    measure(
      'quality: kept-segment word recall (mean, paper rule)',
      mean(rows.map((r) => r.seg.recall)),
      'ratio',
      undefined,
      `${rows.reduce((n, r) => n + r.kept, 0)} kept segments; ${detail((r) => r.seg)}`,
    ),
    measure(
      'quality: kept-segment word precision (mean, paper rule)',
      mean(rows.map((r) => r.seg.precision)),
      'ratio',
      { atLeast: 0.9 },
      detail((r) => r.seg),
    ),
    measure(
      'quality: kept-segment word recall (mean, split long sections)',
      mean(rows.map((r) => r.segSplit.recall)),
      'ratio',
      { atLeast: 0.9 },
      `${rows.reduce((n, r) => n + r.keptSplit, 0)} kept segments; ${detail((r) => r.segSplit)}`,
    ),
    measure(
      'quality: kept-segment word precision (mean, split long sections)',
      mean(rows.map((r) => r.segSplit.precision)),
      'ratio',
      undefined,
      detail((r) => r.segSplit),
    ),
  ];
  record('extraction-quality', results);
});
