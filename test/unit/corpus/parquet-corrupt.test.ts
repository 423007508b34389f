// Issue 13 item 5: a corrupt Parquet page is reported with its row group and column, and the
// other row groups are still read (it used to be a raw error for the whole file).
import { parquetMetadata } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { file, readAllDocs } from './helpers';

describe('corrupt Parquet pages', () => {
  it('names the row group and column of a corrupt page and reads the other groups', async () => {
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: Array.from({ length: 30 }, (_, i) => i), type: 'INT32' },
        { name: 'text', data: Array.from({ length: 30 }, (_, i) => `row ${i}`), type: 'STRING' },
      ],
      rowGroupSize: 10,
    });
    const bytes = new Uint8Array(buffer);
    const meta = parquetMetadata(buffer);
    const textChunk = meta.row_groups[1].columns.find(
      (c) => c.meta_data?.path_in_schema[0] === 'text',
    );
    const at = Number(textChunk?.meta_data?.data_page_offset);
    bytes.fill(0xff, at, at + 12); // the page header becomes garbage
    const r = await readAllDocs(file('damaged.parquet', bytes));
    expect(r.docs.map((d) => d.offset)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => i),
      ...Array.from({ length: 10 }, (_, i) => 20 + i),
    ]);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ source: 'damaged.parquet', record: 11, field: 'text' });
    expect(r.issues[0].message).toMatch(
      /^row group 2 \(rows 11-20\), column "text" cannot be read \(.+\); its rows are skipped$/,
    );
  });
});
