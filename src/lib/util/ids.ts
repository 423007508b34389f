// Record ids: UUIDv7-shaped strings (RFC 9562 §5.7). The first 48 bits are the creation time in
// milliseconds, so ids sort in creation order; IndexedDB then keeps records of one workspace in
// the order they were written, which makes "iterate in key order" resumable after a reload.
// Within one millisecond a counter in the next 12 bits keeps ids monotonic in this realm.

let lastMillis = -1;
let sequence = 0;

const hex = (value: number, width: number): string => value.toString(16).padStart(width, '0');

/** Two hex digits per byte value. */
const byteHex = Array.from({ length: 256 }, (_, b) => hex(b, 2));
/**
 * Random bytes drawn 4 KB at a time: crypto.getRandomValues costs tens of microseconds per
 * call in Chromium whatever its size, and the ingest job takes one id per document (measured:
 * ~2% of the ingest thread's time with one call per id). Same CSPRNG, 8 bytes per id.
 */
const randomPool = new Uint8Array(4096);
let randomAt = randomPool.length;

function randomHex8(): string {
  if (randomAt + 8 > randomPool.length) {
    crypto.getRandomValues(randomPool);
    randomAt = 0;
  }
  const r = randomPool;
  const i = randomAt;
  randomAt += 8;
  // Variant bits 10xx in the first random byte (RFC 9562 §4.1).
  return (
    byteHex[(r[i] & 0x3f) | 0x80] +
    byteHex[r[i + 1]] +
    byteHex[r[i + 2]] +
    byteHex[r[i + 3]] +
    byteHex[r[i + 4]] +
    byteHex[r[i + 5]] +
    byteHex[r[i + 6]] +
    byteHex[r[i + 7]]
  );
}

/** A new unique id that sorts after every id created earlier in this thread. */
export function newId(now: number = Date.now()): string {
  if (now <= lastMillis) {
    // Same millisecond (or the clock went back): keep the last time and bump the counter.
    sequence += 1;
    if (sequence > 0xfff) {
      lastMillis += 1;
      sequence = 0;
    }
  } else {
    lastMillis = now;
    sequence = 0;
  }
  const randomHex = randomHex8();
  const time = hex(lastMillis, 12);
  return (
    `${time.slice(0, 8)}-${time.slice(8, 12)}-7${hex(sequence, 3)}-` +
    `${randomHex.slice(0, 4)}-${randomHex.slice(4, 16)}`
  );
}

/** Milliseconds since the epoch at which an id from `newId` was created. */
export function idTime(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
