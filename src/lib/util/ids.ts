// Record ids: UUIDv7-shaped strings (RFC 9562 §5.7). The first 48 bits are the creation time in
// milliseconds, so ids sort in creation order; IndexedDB then keeps records of one workspace in
// the order they were written, which makes "iterate in key order" resumable after a reload.
// Within one millisecond a counter in the next 12 bits keeps ids monotonic in this realm.

let lastMillis = -1;
let sequence = 0;

const hex = (value: number, width: number): string => value.toString(16).padStart(width, '0');

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
  const random = crypto.getRandomValues(new Uint8Array(8));
  // Variant bits 10xx in the first random byte (RFC 9562 §4.1).
  random[0] = (random[0] & 0x3f) | 0x80;
  const randomHex = Array.from(random, (b) => hex(b, 2)).join('');
  const time = hex(lastMillis, 12);
  return [
    time.slice(0, 8),
    time.slice(8, 12),
    `7${hex(sequence, 3)}`,
    randomHex.slice(0, 4),
    randomHex.slice(4, 16),
  ].join('-');
}

/** Milliseconds since the epoch at which an id from `newId` was created. */
export function idTime(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
