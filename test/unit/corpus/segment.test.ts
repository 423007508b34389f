import { describe, expect, it } from 'vitest';
import { markdownBlocks, textBlocks } from '../../../src/lib/corpus/markdown';
import {
  buildHeaderTree,
  packParagraphs,
  segmentBlocks,
  segmentDocument,
  type Block,
} from '../../../src/lib/corpus/segment';
import { defaultSegmentOptions, type SegmentOptions } from '../../../src/lib/corpus/types';
import { prose } from './fixtures';

const small: SegmentOptions = { ...defaultSegmentOptions, minChars: 100, maxChars: 500 };
const md = (content: string, opts = small) =>
  segmentDocument({ source: 'a.md', offset: 0, format: 'markdown', content }, opts).segments;

describe('header tree', () => {
  it('nests deeper headers under the previous shallower one', () => {
    const blocks: Block[] = [
      { level: 0, text: 'pre' },
      { level: 2, header: 'A', text: 'a' },
      { level: 3, header: 'A1', text: 'a1' },
      { level: 3, header: 'A2', text: 'a2' },
      { level: 2, header: 'B', text: 'b' },
    ];
    const root = buildHeaderTree(blocks);
    expect(root.text).toBe('pre');
    expect(root.children.map((c) => c.header)).toEqual(['A', 'B']);
    expect(root.children[0].children.map((c) => c.header)).toEqual(['A1', 'A2']);
    // A's subtree includes its sub-headers as paragraphs, not its own header line.
    expect(root.children[0].full).toBe('a\n\nA1\n\na1\n\nA2\n\na2');
  });
});

describe('subtree segmentation', () => {
  it('keeps a whole h2 subtree (with its h3 children) as one segment when it fits', () => {
    const blocks: Block[] = [
      { level: 2, header: 'Intro', text: prose(150, 1) },
      { level: 3, header: 'Detail', text: prose(150, 2) },
      { level: 2, header: 'Other', text: prose(200, 3) },
    ];
    const segs = segmentBlocks(blocks, small);
    expect(segs.map((s) => s.headerPath)).toEqual([['Intro'], ['Other']]);
    expect(segs[0].text).toContain('Detail');
    expect(segs[0].text.startsWith('Intro')).toBe(false); // own header is in headerPath only
    expect(segs.every((s) => s.dropReason === undefined)).toBe(true);
  });

  it('descends into children when the subtree is too long; own text is its own candidate', () => {
    const blocks: Block[] = [
      { level: 2, header: 'Big', text: prose(200, 4) },
      { level: 3, header: 'Part one', text: prose(300, 5) },
      { level: 3, header: 'Part two', text: prose(300, 6) },
    ];
    const segs = segmentBlocks(blocks, small);
    expect(segs.map((s) => s.headerPath)).toEqual([
      ['Big'],
      ['Big', 'Part one'],
      ['Big', 'Part two'],
    ]);
    expect(segs[0].text).toBe(blocks[0].text);
    expect(segs.filter((s) => !s.dropReason)).toHaveLength(3);
  });

  it('marks undersized children too-short and an oversized leaf too-long', () => {
    const blocks: Block[] = [
      { level: 1, header: 'Doc', text: '' },
      { level: 2, header: 'Tiny', text: 'just a few words here' },
      { level: 2, header: 'Huge', text: prose(700, 7) },
      { level: 2, header: 'Fine', text: prose(200, 8) },
    ];
    const segs = segmentBlocks(blocks, small);
    const byHeader = Object.fromEntries(segs.map((s) => [s.headerPath.at(-1), s.dropReason]));
    expect(byHeader).toEqual({ Tiny: 'too-short', Huge: 'too-long', Fine: undefined });
    expect(segs).toHaveLength(3); // 'Doc' has no direct text, so it is no candidate itself
  });

  it('packs an oversized leaf into window-sized pieces when packLongSections is on', () => {
    const paragraphs = [1, 2, 3, 4].map((i) => prose(200, 50 + i));
    const blocks: Block[] = [{ level: 2, header: 'Long', text: paragraphs.join('\n\n') }];
    expect(segmentBlocks(blocks, small).map((s) => s.dropReason)).toEqual(['too-long']);
    const packed = segmentBlocks(blocks, { ...small, packLongSections: true });
    expect(packed.length).toBeGreaterThan(1);
    for (const s of packed) {
      expect(s.headerPath).toEqual(['Long']);
      expect(s.text.length).toBeLessThanOrEqual(500);
      expect(s.dropReason).toBeUndefined();
    }
    expect(packed.map((s) => s.text).join('\n\n')).toBe(blocks[0].text);
  });

  it('tries the parent first: short children inside a fitting parent are not dropped', () => {
    const blocks: Block[] = [
      { level: 2, header: 'Parent', text: prose(60, 9) },
      { level: 3, header: 'Child one', text: prose(60, 10) },
      { level: 3, header: 'Child two', text: prose(60, 11) },
    ];
    const segs = segmentBlocks(blocks, small);
    expect(segs).toHaveLength(1);
    expect(segs[0].dropReason).toBeUndefined();
    expect(segs[0].text.length).toBeGreaterThanOrEqual(100);
  });

  it('leaves navigation sub-headers out of the parent and reports them dropped', () => {
    const blocks: Block[] = [
      { level: 2, header: 'Article', text: prose(200, 12) },
      { level: 3, header: 'Related posts', text: 'Ten tips for gardens' },
    ];
    const segs = segmentBlocks(blocks, small);
    expect(segs[0].text).not.toContain('Ten tips');
    expect(segs[1]).toMatchObject({
      headerPath: ['Article', 'Related posts'],
      dropReason: 'navigation-header',
    });
  });
});

describe('plain text packing', () => {
  it('packs consecutive paragraphs into the window', () => {
    const paragraphs = [1, 2, 3, 4, 5, 6].map((i) => prose(140, 20 + i));
    const text = paragraphs.join('\n\n');
    const segs = segmentDocument(
      { source: 't', offset: 0, format: 'text', content: text },
      small,
    ).segments;
    expect(segs.length).toBeGreaterThan(1);
    for (const s of segs) expect(s.text.length).toBeLessThanOrEqual(500);
    // Nothing is lost or reordered: the segments are the paragraphs regrouped.
    expect(segs.map((s) => s.text).join('\n\n')).toBe(text);
    expect(segs.every((s) => s.headerPath.length === 0)).toBe(true);
  });

  it('splits an oversized paragraph at sentences and reports a short remainder', () => {
    const pieces = packParagraphs(prose(1200, 30), 500);
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(500);
    const tail = segmentDocument(
      { source: 't', offset: 0, format: 'text', content: 'Too short alone.' },
      small,
    ).segments;
    expect(tail).toEqual([{ headerPath: [], text: 'Too short alone.', dropReason: 'too-short' }]);
  });

  it('returns no blocks for whitespace-only text', () => {
    expect(textBlocks(' \n\n \t')).toEqual([]);
  });
});

describe('markdown', () => {
  it('reads ATX and Setext headers and ignores # inside fenced code', () => {
    const content = [
      'Preamble line.',
      '',
      '# Guide',
      'Intro text.',
      '',
      'Setup',
      '=====',
      '```sh',
      '# install the tool',
      'npm i tool',
      '```',
      '~~~',
      '## still code',
      '~~~',
      '',
      'Usage notes',
      '-----------',
      '- item one',
      '- item two',
      '### Deep ###',
      'deep text',
    ].join('\n');
    const blocks = markdownBlocks(content);
    expect(blocks.map((b) => [b.level, b.header])).toEqual([
      [0, undefined],
      [1, 'Guide'],
      [1, 'Setup'],
      [2, 'Usage notes'],
      [3, 'Deep'],
    ]);
    expect(blocks[2].text).toContain('# install the tool');
    expect(blocks[2].text).toContain('## still code');
    expect(blocks[3].text).toBe('- item one\n- item two');
  });

  it('treats --- after a blank line as a rule, not a header, and skips front matter', () => {
    const blocks = markdownBlocks('---\ntitle: x\n---\nText here.\n\n---\n\nMore text.');
    expect(blocks).toEqual([
      { level: 0, header: undefined, text: 'Text here.\n\n---\n\nMore text.' },
    ]);
  });

  it('segments a markdown document end to end', () => {
    const segs = md(`# Title\n\n${prose(120, 40)}\n\n## ADVERTISEMENT\n\nBuy now.\n`);
    expect(segs.map((s) => [s.headerPath, s.dropReason])).toEqual([
      [['Title'], undefined],
      [['Title', 'ADVERTISEMENT'], 'navigation-header'],
    ]);
  });
});
