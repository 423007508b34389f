// Record-boundary checks for the WARC reader. warcio only console.warns "Content-Length Too
// Small" when the bytes after a record are not the "\r\n\r\n" separator, and says nothing when
// a Content-Length is too large (the record swallows the start of the next one). Here the
// reader that warcio parses from keeps the line that follows each record we finished, so a
// wrong length becomes an issue naming the record, whether the file is plain or gzipped
// (one member per record or one member for the whole file).
import { AsyncIterReader, type WARCRecord } from 'warcio';

/** A warcio reader that remembers the first line read after `arm()`. */
export class BoundaryWatchingReader extends AsyncIterReader {
  private armed = false;
  private after: Uint8Array | null = null;

  /** Call once a record is consumed: warcio's next line read is what follows it. */
  arm(): void {
    this.armed = true;
    this.after = null;
  }

  override async readlineRaw(maxLength?: number): Promise<Uint8Array | null> {
    const line = await super.readlineRaw(maxLength);
    if (this.armed) {
      this.armed = false;
      this.after = line;
    }
    return line;
  }

  /**
   * How many bytes that are neither the separator nor a record start followed the last
   * armed record (the first line of them only; 0 when the record ended where it said).
   */
  takeTrailing(): number {
    const line = this.after;
    this.after = null;
    if (!line) return 0;
    let end = line.length;
    while (end > 0 && (line[end - 1] === 0x0a || line[end - 1] === 0x0d)) end--;
    // A "WARC/1.x" line right after the block: warcio takes it as the next record.
    if (end <= 10 && new TextDecoder().decode(line.subarray(0, end)).startsWith('WARC/')) return 0;
    return end;
  }
}

/** The record's number with its target URI and record id, for messages. */
export function describeRecord(n: number, record: WARCRecord | undefined): string {
  const names = [record?.warcTargetURI, record?.warcHeader('WARC-Record-ID')].filter(Boolean);
  return names.length > 0 ? `record ${n} (${names.join(', ')})` : `record ${n}`;
}

/** A record whose first line was lost still carries the WARC header fields that follow it. */
export function hasWarcFields(record: WARCRecord): boolean {
  return ['WARC-Record-ID', 'WARC-Date', 'WARC-Target-URI', 'WARC-Type'].some(
    (name) => !!record.warcHeader(name),
  );
}

const NEXT_RECORD = '\r\n\r\nWARC/1.';

/**
 * Where a block holds the separator and the start of another record (its Content-Length
 * is too large and it swallowed the next record's start), or -1.
 */
export function swallowedAt(block: Uint8Array): number {
  // latin1 keeps one character per byte, so the index is a byte offset.
  return new TextDecoder('latin1').decode(block).indexOf(NEXT_RECORD);
}
