// Compact in-memory structures for a workspace's dedup index (method.md §2: "deduplication").
// A corpus of 1 GB has ~500k kept segments and ~10M index keys (exact hash + 20 LSH bands
// each); JS Maps of strings would need gigabytes of heap, so keys are 32-bit fingerprints in
// typed arrays (ArrayBuffers, outside the JS heap's object graph, no GC tracing).

/** Growable Uint32 array (amortised O(1) append). */
export class U32List {
  data: Uint32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Uint32Array(capacity);
  }
  push(value: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = value;
  }
  /** Makes room for `n` more values and returns the offset they start at. */
  reserve(n: number): number {
    if (this.length + n > this.data.length) this.grow(this.length + n);
    const at = this.length;
    this.length += n;
    return at;
  }
  private grow(min: number): void {
    let cap = this.data.length * 2;
    while (cap < min) cap *= 2;
    const next = new Uint32Array(cap);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
}

/**
 * Open-addressing multimap from a 32-bit key fingerprint to segment ordinals (linear probing,
 * load ≤ 0.7). One key may map to many ordinals, and two different keys may share a
 * fingerprint: callers verify (exact hash compare, or signature similarity for LSH bands), so a
 * collision costs one extra check, never a wrong decision. 8 bytes per slot.
 */
export class FingerprintMultimap {
  private prints: Uint32Array;
  /** ordinal + 1; 0 marks an empty slot. */
  private values: Uint32Array;
  private mask: number;
  size = 0;

  constructor(capacityPow2 = 1 << 12) {
    this.prints = new Uint32Array(capacityPow2);
    this.values = new Uint32Array(capacityPow2);
    this.mask = capacityPow2 - 1;
  }

  add(print: number, ordinal: number): void {
    if ((this.size + 1) * 10 > this.values.length * 7) this.rehash();
    this.insert(print >>> 0, ordinal + 1);
    this.size++;
  }

  /** Ordinals stored under `print`, in insertion order. */
  get(print: number): number[] {
    const p = print >>> 0;
    const out: number[] = [];
    let slot = spread(p) & this.mask;
    for (;;) {
      const v = this.values[slot];
      if (v === 0) break;
      if (this.prints[slot] === p) out.push(v - 1);
      slot = (slot + 1) & this.mask;
    }
    // Linear probing keeps insertion order per key except across wrap-around: sort to be sure.
    return out.length > 1 ? out.sort((a, b) => a - b) : out;
  }

  private insert(p: number, v: number): void {
    let slot = spread(p) & this.mask;
    while (this.values[slot] !== 0) slot = (slot + 1) & this.mask;
    this.prints[slot] = p;
    this.values[slot] = v;
  }

  private rehash(): void {
    const oldPrints = this.prints;
    const oldValues = this.values;
    const cap = oldValues.length * 2;
    this.prints = new Uint32Array(cap);
    this.values = new Uint32Array(cap);
    this.mask = cap - 1;
    for (let i = 0; i < oldValues.length; i++)
      if (oldValues[i] !== 0) this.insert(oldPrints[i], oldValues[i]);
  }
}

/** Fingerprints are already hashes; one multiply decorrelates slot from value. */
function spread(p: number): number {
  return Math.imul(p, 0x9e3779b1) >>> 0;
}

const hexByte = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.\d{6})?$/;

/**
 * Segment ids by ordinal, 20 bytes each for UUID-shaped ids (util/ids.ts), with the optional
 * `.<6 digits>` of paged segments (store/segment-pages.ts), instead of a ~70-byte heap string;
 * other ids (tests, imports) are kept as strings.
 */
export class IdList {
  private bytes = new Uint8Array(16 * 1024);
  /** Sequence + 1 of `<uuid>.<seq>` ids; 0 for plain UUIDs. */
  private suffixes = new U32List();
  private others = new Map<number, string>();
  length = 0;

  push(id: string): number {
    const ordinal = this.length++;
    if (this.bytes.length < this.length * 16) {
      const next = new Uint8Array(this.bytes.length * 2);
      next.set(this.bytes);
      this.bytes = next;
    }
    this.suffixes.push(0);
    if ((id.length === 36 || id.length === 43) && uuidShape.test(id)) {
      if (id.length === 43) this.suffixes.data[ordinal] = Number(id.slice(37)) + 1;
      const hex = id.slice(0, 36).replaceAll('-', '');
      for (let i = 0; i < 16; i++)
        this.bytes[ordinal * 16 + i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
    } else this.others.set(ordinal, id);
    return ordinal;
  }

  get(ordinal: number): string {
    const other = this.others.get(ordinal);
    if (other !== undefined) return other;
    let h = '';
    for (let i = 0; i < 16; i++) {
      h += hexByte[this.bytes[ordinal * 16 + i]];
      if (i === 3 || i === 5 || i === 7 || i === 9) h += '-';
    }
    const suffix = this.suffixes.data[ordinal];
    return suffix ? `${h}.${String(suffix - 1).padStart(6, '0')}` : h;
  }
}
