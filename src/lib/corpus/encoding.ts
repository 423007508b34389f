// Which encoding a text file is in (issue 13 item 3). Order: a BOM, the UTF-16 NUL pattern,
// a declaration (HTTP Content-Type charset, HTML <meta charset> / http-equiv, XML
// <?xml encoding?>), then the bytes themselves: valid UTF-8 is UTF-8, anything else is
// handed to chardet (ICU's detector) and falls back to windows-1252, the web's legacy
// default (WHATWG maps ISO-8859-1 and ASCII to it). Only labels TextDecoder knows are used.
import chardet from 'chardet';

/** What the byte layout alone says (BOM, UTF-16 NUL pattern); 8-bit text is 'utf-8' here. */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export interface EncodingChoice {
  /** A label TextDecoder accepts, normalised (e.g. "windows-1252", "shift_jis"). */
  encoding: string;
  how: 'bom' | 'utf-16-pattern' | 'declared' | 'utf-8-valid' | 'detected' | 'fallback';
  /** The declared label as written, when one was found. */
  declared?: string;
}

/** The canonical name TextDecoder gives a label, or undefined if it does not know it. */
export function normaliseLabel(label: string): string | undefined {
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    return undefined;
  }
}

/**
 * The charset an HTML or XML head declares. Linear: each `<meta` is inspected only up to its
 * closing `>` (at most 1,024 characters), and the XML declaration must open the file.
 */
export function declaredCharset(head: Uint8Array): string | undefined {
  // Latin-1 keeps one character per byte; declarations are ASCII.
  const text = new TextDecoder('windows-1252').decode(head.subarray(0, 8192));
  const xml = /^\s*<\?xml\s[^>]{0,200}?encoding\s*=\s*["']([\w.:-]{1,40})["']/i.exec(text);
  if (xml) return xml[1];
  const lower = text.toLowerCase();
  for (let i = lower.indexOf('<meta'); i !== -1; i = lower.indexOf('<meta', i + 5)) {
    const close = lower.indexOf('>', i);
    const tag = lower.slice(i, close === -1 ? i + 1024 : Math.min(close, i + 1024));
    const m = /charset\s*=\s*["']?\s*([\w.:-]{1,40})/.exec(tag);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * Valid multi-byte UTF-8 sequences and invalid bytes in `bytes` (a sequence cut off at the
 * end counts as neither). One pass; continuation bytes are checked, overlongs are not.
 */
export function utf8Evidence(bytes: Uint8Array): { valid: number; invalid: number } {
  let valid = 0;
  let invalid = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b < 0x80) continue;
    const len =
      b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0) {
      invalid++;
      continue;
    }
    let k = 1;
    while (k < len && i + k < bytes.length && (bytes[i + k] & 0xc0) === 0x80) k++;
    if (k === len) {
      valid++;
      i += len - 1;
    } else if (i + k < bytes.length) {
      invalid++;
      i += k - 1;
    }
  }
  return { valid, invalid };
}

export function chooseEncoding(
  head: Uint8Array,
  layout: TextEncoding,
  opts: { markup?: boolean; declared?: string },
): EncodingChoice {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
    return { encoding: 'utf-8', how: 'bom' };
  }
  if (layout !== 'utf-8') {
    const bom = head[0] === 0xff || head[0] === 0xfe;
    return { encoding: layout, how: bom ? 'bom' : 'utf-16-pattern' };
  }
  const label = opts.declared ?? (opts.markup ? declaredCharset(head) : undefined);
  let declared = label ? normaliseLabel(label) : undefined;
  // A page cannot really be UTF-16 without the NUL pattern; HTML says treat it as UTF-8.
  if (declared?.startsWith('utf-16')) declared = 'utf-8';
  const { valid, invalid } = utf8Evidence(head);
  if (declared) {
    // Non-ASCII bytes that form valid UTF-8 under a legacy label: the label is wrong (a page
    // saved as UTF-8 that kept its old meta tag); windows-1252 text almost never parses so.
    if (declared !== 'utf-8' && valid > 0 && invalid === 0) {
      return { encoding: 'utf-8', how: 'utf-8-valid', declared: label };
    }
    return { encoding: declared, how: 'declared', declared: label };
  }
  // Mostly valid multi-byte sequences: UTF-8 with a few corrupt bytes (those get replaced
  // and counted), not a legacy encoding.
  if (invalid === 0 || valid >= invalid) return { encoding: 'utf-8', how: 'utf-8-valid' };
  for (const match of chardet.analyse(head)) {
    const name = normaliseLabel(match.name);
    if (name && name !== 'utf-8' && !name.startsWith('utf-16') && !name.startsWith('utf-32')) {
      return { encoding: name, how: 'detected' };
    }
  }
  return { encoding: 'windows-1252', how: 'fallback' };
}
