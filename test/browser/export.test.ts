// Export in real Chromium (issue 11 items 5, 6): the browser build of hyparquet-writer, the
// save helper's Blob path with a real object URL, and the files imported back as seed sets
// through Blob.slice, as the app will do it.
import { describe, expect, it } from 'vitest';
import { importSeeds } from '../../src/lib/corpus/seeds/seed-import';
import { exportChunks, FORMAT_FILES, type ExportPair } from '../../src/lib/method/export';
import { browserDownloadEnv, saveChunks, type DownloadEnv } from '../../src/lib/util/download';

const PAIRS: ExportPair[] = Array.from({ length: 3000 }, (_, i) => ({
  instruction: `Frage ${i}: «${'ü'.repeat(i % 5)}» "quoted"`,
  output: `Antwort ${i}\nzweite Zeile 🐋`,
  origin: i % 10 === 0 ? 'seed' : 'augmented',
  ratings: [{ rater: 'M0', iteration: 1, score: (i % 5) + 1 }],
}));
// Seeds (every 10th) and augmented pairs scored 5 (i % 5 === 4).
const KEPT = PAIRS.filter((_, i) => i % 10 === 0 || i % 5 === 4);

describe('export in the browser', () => {
  for (const format of ['parquet', 'openai'] as const) {
    it(`${format}: saved through a real object URL and imported back as seeds`, async () => {
      const real = browserDownloadEnv();
      let blobUrl = '';
      const env: DownloadEnv = {
        ...real,
        showSaveFilePicker: undefined, // the Blob path (the picker needs a user gesture)
        clickDownload: (url) => {
          blobUrl = url;
        },
      };
      const { extension, mime } = FORMAT_FILES[format];
      const result = await saveChunks(
        `curated${extension}`,
        exportChunks(PAIRS, {
          format,
          selection: { rule: { by: 'score', k: 5 } },
          systemTags: true,
        }),
        { mime, extension, env },
      );
      expect(result?.method).toBe('blob');
      const blob = await (await fetch(blobUrl)).blob();
      expect(blob.size).toBe(result?.written);
      const imported = await importSeeds(new File([blob], `curated${extension}`));
      expect(imported.errors).toEqual([]);
      expect(imported.pairs.map((p) => [p.instruction, p.output])).toEqual(
        KEPT.map((p) => [p.instruction, p.output]),
      );
    });
  }
});
