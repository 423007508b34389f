// Values crossing into IndexedDB must be structured-cloneable. Svelte 5 `$state` objects are
// Proxies, which structuredClone (and so IndexedDB) rejects with DataCloneError
// (sveltejs/svelte#15327), and `$state.snapshot` only exists inside .svelte(.ts) files. So every
// repository copies what it is given once, at its boundary, with `toPlain`: callers may pass
// $state objects or plain ones alike.

/** Deep copy into plain data: objects and arrays are rebuilt, binary and dates are kept. */
export function toPlain<T>(value: T): T {
  return copy(value, '') as T;
}

function copy(value: unknown, path: string): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol') {
      throw new TypeError(`Cannot store a ${typeof value} at "${path || '(root)'}"`);
    }
    return value;
  }
  // Binary data and other cloneable built-ins pass through as they are (IndexedDB copies them).
  if (
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    value instanceof Date ||
    value instanceof RegExp ||
    (typeof Blob !== 'undefined' && value instanceof Blob)
  ) {
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => copy(item, `${path}[${i}]`));
  if (value instanceof Map) {
    return new Map([...value].map(([k, v]) => [copy(k, path), copy(v, `${path}.${String(k)}`)]));
  }
  if (value instanceof Set) return new Set([...value].map((v) => copy(v, path)));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // Dropping undefined keeps records lean; IndexedDB treats a missing key path the same way.
    if (item !== undefined) out[key] = copy(item, path ? `${path}.${key}` : key);
  }
  return out;
}

// eslint-disable-next-line no-control-regex -- matching "any char above Latin-1" needs the range
const wideChar = /[^\u0000-\u00ff]/;

/**
 * Approximate stored size of a value in bytes, close to V8's structured serialisation that
 * Chromium writes (before its compression): Latin-1 strings take a byte per character, others
 * two; numbers 8; binary its byteLength; plus a few bytes per key and container. Good enough
 * for quota messages and the storage panel, never for exact accounting.
 */
export function approxBytes(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return 2 + (wideChar.test(value) ? value.length * 2 : value.length);
    case 'number':
    case 'bigint':
      return 9;
    case 'boolean':
    case 'undefined':
      return 1;
    case 'object':
      break;
    default:
      return 0;
  }
  if (value === null) return 1;
  if (value instanceof ArrayBuffer) return 8 + value.byteLength;
  if (ArrayBuffer.isView(value)) return 8 + value.byteLength;
  if (typeof Blob !== 'undefined' && value instanceof Blob) return 8 + value.size;
  if (value instanceof Date) return 9;
  let bytes = 4;
  if (Array.isArray(value)) {
    for (const item of value) bytes += approxBytes(item);
    return bytes;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) bytes += approxBytes(k) + approxBytes(v);
    return bytes;
  }
  if (value instanceof Set) {
    for (const v of value) bytes += approxBytes(v);
    return bytes;
  }
  for (const [key, item] of Object.entries(value)) bytes += approxBytes(key) + approxBytes(item);
  return bytes;
}

/** Sum of `approxBytes` over many records (the size of a write batch). */
export function approxBatchBytes(records: Iterable<unknown>): number {
  let bytes = 0;
  for (const record of records) bytes += approxBytes(record);
  return bytes;
}
