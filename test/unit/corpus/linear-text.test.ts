// Issue 13 item 1 outside HTML: the Markdown/plain-text line helpers and the title scan are
// single passes (the regular expressions they replace backtracked quadratically on long runs
// of blanks, long header lines and unclosed <title> tags). Work is bounded by construction;
// these tests pin the results on the hostile shapes and on ordinary lines.
import { describe, expect, it } from 'vitest';
import { markdownBlocks, textBlocks } from '../../../src/lib/corpus/markdown';
import { htmlTitle } from '../../../src/lib/corpus/readers/text';
import { linesToText, parseAtxHeader, trimEndBlanks } from '../../../src/lib/corpus/text-lines';

const oldAtx = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;

describe('linear text helpers', () => {
  it('parse ATX headers as the CommonMark pattern did on ordinary lines', () => {
    const lines = [
      '# Title',
      '###   Spaced   ',
      '## Closing ##',
      '## Not closing#',
      '   ### Indented',
      '    # four spaces is code',
      '####### seven',
      '#hashtag',
      '#',
      '##\tTabbed\t#',
      'plain text',
    ];
    for (const line of lines) {
      const m = oldAtx.exec(line);
      const expected = m ? { level: m[1].length, text: (m[2] ?? '').trim() } : undefined;
      expect(parseAtxHeader(line), line).toEqual(expected);
    }
  });

  it('handle a 1 MB header line of blanks and a 1 MB run of blanks inside a line', () => {
    const blanks = ' \t'.repeat(500_000);
    expect(parseAtxHeader(`# a${blanks}x`)).toEqual({ level: 1, text: `a${blanks}x` });
    expect(parseAtxHeader(`# a${blanks}`)).toEqual({ level: 1, text: 'a' });
    expect(trimEndBlanks(`x${blanks}y${blanks}`)).toBe(`x${blanks}y`);
    const text = textBlocks(`first${blanks}second\n${blanks}\n\n\nthird${blanks}`);
    expect(text).toEqual([{ level: 0, text: `first${blanks}second\n\nthird` }]);
    const md = markdownBlocks(`# Head${blanks}\nbody${blanks}`);
    expect(md).toEqual([{ level: 1, header: 'Head', text: 'body' }]);
  });

  it('collapse blank-line runs to one paragraph break', () => {
    expect(linesToText(['', 'a  ', ' ', '', '\t', 'b', '', ''])).toBe('a\n\nb');
  });

  it('find the title once, whatever the number of unclosed <title> tags', () => {
    expect(htmlTitle('<title>'.repeat(9000))).toBeUndefined();
    expect(htmlTitle('<TITLE lang="en"> A &amp; B </Title><title>second</title>')).toBe('A & B');
  });
});
