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
 * Growable Uint32 array in fixed pages of 64 Ki words: appending never copies what is there,
 * so a 30 MB array does not briefly need 75 MB while it grows (peak heap, issue: < 300 MB).
 */
export class PagedU32List {
  private static readonly bits = 16;
  private readonly pages: Uint32Array[] = [];
  length = 0;

  /** Makes room for `n` more values (zeroed) and returns the offset they start at. */
  reserve(n: number): number {
    const at = this.length;
    this.length += n;
    while (this.pages.length << PagedU32List.bits < this.length)
      this.pages.push(new Uint32Array(1 << PagedU32List.bits));
    return at;
  }
  get(i: number): number {
    return this.pages[i >>> PagedU32List.bits][i & 0xffff];
  }
  set(i: number, value: number): void {
    this.pages[i >>> PagedU32List.bits][i & 0xffff] = value;
  }
}

/** One shard of FingerprintMultimap: linear probing over `values.length` slots (any size). */
interface Shard {
  /** Low 24 bits: ordinal + 1 (0 marks an empty slot); high 8 bits: print bits 0–7. */
  values: Uint32Array;
  /** Print bits 8–23. */
  mids: Uint16Array;
  /** Print bits 26–31, the same for every entry of the shard (its index). */
  prefix: number;
  size: number;
}

const shardBits = 6;
const maxLoad = 0.8;
/** Print bits kept (the shard index holds bits 26–31; bits 24–25 are dropped). */
const keptBits = 0xfcffffff;
/** Ordinals fit in 24 bits: 16.7M kept segments, ~35 GB of text in one workspace. */
export const maxOrdinals = (1 << 24) - 1;

/**
 * Open-addressing multimap from a 32-bit key fingerprint to segment ordinals, 6 bytes per slot.
 * One key may map to many ordinals, and two keys may agree on the 30 fingerprint bits kept:
 * callers verify (exact hash compare, or signature similarity for LSH bands), so a collision
 * costs one extra check, never a wrong decision. Memory is what bounds a 1 GB ingest (~10M
 * entries), so the load may reach 0.8, a shard grows by 1.5× (not 2×), and 64 shards grow one
 * at a time, so a rehash holds old and new arrays of 1/64 of the table, not of all of it.
 */
export class FingerprintMultimap {
  private readonly shards: Shard[] = Array.from({ length: 1 << shardBits }, (_, i) =>
    newShard(64, (i << (32 - shardBits)) >>> 0),
  );
  size = 0;

  add(print: number, ordinal: number): void {
    if (ordinal >= maxOrdinals) throw new RangeError('dedup index: too many segments');
    const p = (print & keptBits) >>> 0;
    const shard = this.shards[p >>> (32 - shardBits)];
    if (shard.size + 1 > shard.values.length * maxLoad) grow(shard);
    insert(shard, p, ordinal + 1);
    shard.size++;
    this.size++;
  }

  /** Ordinals stored under `print` (plus rare collisions), in insertion order. */
  get(print: number): number[] {
    const p = (print & keptBits) >>> 0;
    const { values, mids } = this.shards[p >>> (32 - shardBits)];
    const low = p & 0xff;
    const mid = (p >>> 8) & 0xffff;
    const out: number[] = [];
    const cap = values.length;
    let slot = home(p, cap);
    for (;;) {
      const v = values[slot];
      if (v === 0) break;
      if (v >>> 24 === low && mids[slot] === mid) out.push((v & 0xffffff) - 1);
      slot = slot + 1 === cap ? 0 : slot + 1;
    }
    // Linear probing keeps insertion order per key except across wrap-around: sort to be sure.
    return out.length > 1 ? out.sort((a, b) => a - b) : out;
  }
}

function newShard(capacity: number, prefix: number): Shard {
  return { values: new Uint32Array(capacity), mids: new Uint16Array(capacity), prefix, size: 0 };
}

function home(p: number, cap: number): number {
  return spread(p) % cap;
}

function insert(shard: Shard, p: number, value: number): void {
  const { values, mids } = shard;
  const cap = values.length;
  let slot = home(p, cap);
  while (values[slot] !== 0) slot = slot + 1 === cap ? 0 : slot + 1;
  values[slot] = (value | ((p & 0xff) << 24)) >>> 0;
  mids[slot] = (p >>> 8) & 0xffff;
}

function grow(shard: Shard): void {
  const { values, mids, prefix } = shard;
  const next = newShard(Math.ceil(values.length * 1.5), prefix);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === 0) continue;
    // The kept print bits are the slot's stored bits plus the shard's own prefix.
    insert(next, ((v >>> 24) | (mids[i] << 8) | prefix) >>> 0, v & 0xffffff);
  }
  shard.values = next.values;
  shard.mids = next.mids;
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
