// Small corpus files of every supported format, generated in the test (no data in the repo).
import { gzipSync, zipSync } from 'fflate';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { prose } from '../helpers/prose';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function warcRecord(uri: string, html: string): Uint8Array {
  const body = enc(html);
  const block = new Uint8Array([
    ...enc(
      `HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n`,
    ),
    ...body,
  ]);
  const head = enc(
    `WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: ${uri}\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n` +
      `WARC-Record-ID: <urn:uuid:${crypto.randomUUID()}>\r\nContent-Type: application/http; msgtype=response\r\n` +
      `Content-Length: ${block.length}\r\n\r\n`,
  );
  return new Uint8Array([...head, ...block, ...enc('\r\n\r\n')]);
}

const page = (seed: number) =>
  `<html><head><title>Page ${seed}</title></head><body><h1>Page ${seed}</h1><h2>Part one</h2><p>${prose(seed)}</p></body></html>`;

export interface FixtureFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
  /** Documents the file holds. */
  documents: number;
}

const file = (name: string, data: Uint8Array | string, documents: number): FixtureFile => ({
  name,
  mimeType: 'application/octet-stream',
  buffer: Buffer.from(typeof data === 'string' ? enc(data) : data),
  documents,
});

/** One file per format; every document has at least one keepable segment. */
export function everyFormat(): FixtureFile[] {
  const jsonl = [1, 2, 3].map((i) => JSON.stringify({ text: prose(100 + i) })).join('\n') + '\n';
  const json = JSON.stringify([{ content: prose(201) }, { content: prose(202) }]);
  const csv = `id,text\n1,"${prose(301)}"\n2,"${prose(302)}"\n`;
  const tsv = `id\ttext\n1\t${prose(401)}\n2\t${prose(402)}\n`;
  const parquet = new Uint8Array(
    parquetWriteBuffer({
      columnData: [{ name: 'text', data: [prose(501), prose(502)], type: 'STRING' }],
    }),
  );
  const warc = [
    warcRecord('https://a.example/', page(601)),
    warcRecord('https://b.example/', page(602)),
  ];
  const warcGz = [
    warcRecord('https://c.example/', page(701)),
    warcRecord('https://d.example/', page(702)),
  ].map((r) => gzipSync(r));
  const zip = zipSync({
    'notes/a.md': enc(`# Note\n\n## Section\n\n${prose(801)}`),
    'pages/b.html': enc(page(802)),
  });
  return [
    file('plain.txt', prose(1, 1500), 1),
    file('note.md', `# Title\n\n## First\n\n${prose(2)}\n\n## Second\n\n${prose(3)}`, 1),
    file('page.html', page(4), 1),
    file('docs.jsonl', jsonl, 3),
    file('docs.json', json, 2),
    file('table.csv', csv, 2),
    file('table.tsv', tsv, 2),
    file('rows.parquet', parquet, 2),
    file('crawl.warc', new Uint8Array(warc.flatMap((r) => [...r])), 2),
    file('crawl.warc.gz', new Uint8Array(warcGz.flatMap((r) => [...r])), 2),
    file('bundle.zip', zip, 2),
    file('single.txt.gz', gzipSync(enc(prose(901, 1500))), 1),
  ];
}

/** A JSONL corpus of `docs` documents (about 3.7 KB each) for the reload test. */
export function bigJsonl(docs: number): FixtureFile {
  const lines: string[] = [];
  for (let i = 0; i < docs; i++)
    lines.push(
      JSON.stringify({
        text: [prose(10_000 + i, 1200), prose(20_000 + i, 1200), prose(30_000 + i, 1200)].join(
          '\n\n',
        ),
      }),
    );
  return file('big.jsonl', lines.join('\n') + '\n', docs);
}
