// Sanity check for the bundled demo data in public/demo (run: node scripts/check-demo.mjs).
// It does not reuse the app's segmenter on purpose: it is an independent, rough re-reading of the
// files (method.md §2: a segment is the text under a header incl. lower-level subtrees, kept at
// 600–3,000 characters) so that a bug in src/lib/corpus cannot hide a broken demo corpus.
// Exits non-zero when a file does not parse, a seed line is invalid, or a planted junk entry in
// manifest.json does not show the property it claims.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';

const DIR = new URL('../public/demo/', import.meta.url).pathname;
const MIN = 600;
const MAX = 3000;
const NAV_WORDS = ['advertisement', 'forum', 'quick link', 'free newsletter', 'related post'];
const problems = [];

/** Flattens an HTML page's main content into header markers and text runs, in document order. */
function htmlTokens(html) {
  const { document } = parseHTML(html);
  const tokens = [];
  const walk = (node) => {
    for (const child of node.childNodes) {
      if (child.nodeType === 3) tokens.push({ text: child.textContent });
      else if (child.nodeType === 1) {
        const tag = child.tagName.toLowerCase();
        if (['script', 'style', 'nav', 'form', 'aside', 'button'].includes(tag)) continue;
        const h = /^h([1-6])$/.exec(tag);
        if (h) tokens.push({ level: Number(h[1]), header: child.textContent.trim() });
        else {
          tokens.push({ text: ' ' });
          walk(child);
          tokens.push({ text: ' ' });
        }
      }
    }
  };
  // Like the app's HTML reader, read the page's <main> when it has one (site chrome is outside).
  walk(document.querySelector('main') ?? document.body ?? document);
  return tokens;
}

/** Markdown → the same token shape (ATX headers only, fenced code is not scanned for headers). */
function mdTokens(md) {
  const tokens = [];
  let inFence = false;
  for (const line of md.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const h = !inFence && /^(#{1,6})(?:\s+(.*))?$/.exec(line);
    if (h) tokens.push({ level: h[1].length, header: (h[2] ?? '').trim() });
    else tokens.push({ text: line + '\n' });
  }
  return tokens;
}

/** Segment per header: text up to the next header of the same or a higher level. */
function sections(tokens) {
  const out = [];
  tokens.forEach((t, i) => {
    if (t.level === undefined) return;
    let text = '';
    for (let j = i + 1; j < tokens.length; j++) {
      const u = tokens[j];
      if (u.level !== undefined && u.level <= t.level) break;
      text += u.level !== undefined ? `\n${u.header}\n` : u.text;
    }
    out.push({ level: t.level, header: t.header, text: text.replace(/\s+/g, ' ').trim() });
  });
  return out;
}

const words = (s) => s.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
const ngrams = (ws, n) =>
  new Set(ws.slice(0, Math.max(0, ws.length - n + 1)).map((_, i) => ws.slice(i, i + n).join(' ')));
const jaccard = (a, b) => {
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter || 1);
};
const repeatShare = (text) => {
  const sents = text
    .split(/(?<=[.!?])\s+/)
    .map((s) => ngrams(words(s), 3))
    .filter((s) => s.size > 0);
  const repeated = sents.filter((s, i) => sents.some((o, j) => j !== i && jaccard(s, o) > 0.7));
  return sents.length ? repeated.length / sents.length : 0;
};
const norm = (s) => s.toLowerCase().replace(/\s+/g, ' ').trim();

const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8'));
const files = readdirSync(DIR).filter((f) => /\.(html|md)$/.test(f) && f !== 'README.md');
for (const f of files)
  if (!manifest.documents.includes(f)) problems.push(`${f}: not listed in manifest.documents`);

const all = [];
let total = 0;
const rows = [];
for (const file of manifest.documents) {
  const bytes = readFileSync(join(DIR, file));
  // Pages may declare a legacy charset (one demo page is windows-1252).
  const charset = /charset=["']?([\w-]+)/i.exec(bytes.subarray(0, 1024).toString('latin1'))?.[1];
  const raw = new TextDecoder(charset ?? 'utf-8').decode(bytes);
  total += bytes.length;
  let tokens;
  try {
    tokens = file.endsWith('.html') ? htmlTokens(raw) : mdTokens(raw);
  } catch (e) {
    problems.push(`${file}: does not parse: ${e.message}`);
    continue;
  }
  const secs = sections(tokens);
  if (secs.length < 2) problems.push(`${file}: fewer than 2 headers`);
  if (file.endsWith('.html') && !/<nav[\s>]/.test(raw)) problems.push(`${file}: no <nav> chrome`);
  for (const s of secs) {
    all.push({ file, ...s });
    const flag = s.text.length < MIN ? 'short' : s.text.length > MAX ? 'LONG' : 'ok';
    rows.push(
      `${file.padEnd(40)} h${s.level} ${String(s.text.length).padStart(6)} ${flag.padEnd(5)} ${JSON.stringify(s.header).slice(0, 60)}`,
    );
  }
}

// Seed pairs (Alpaca shape).
const seedLines = readFileSync(join(DIR, manifest.seed), 'utf8')
  .split('\n')
  .filter((l) => l.trim());
const seedLens = [];
seedLines.forEach((line, i) => {
  try {
    const o = JSON.parse(line);
    if (typeof o.instruction !== 'string' || !o.instruction.trim())
      problems.push(`seed line ${i + 1}: empty instruction`);
    if (typeof o.output !== 'string' || !o.output.trim())
      problems.push(`seed line ${i + 1}: empty output`);
    if (typeof o.input !== 'string') problems.push(`seed line ${i + 1}: input must be a string`);
    seedLens.push(o.output.length);
  } catch (e) {
    problems.push(`seed line ${i + 1}: invalid JSON: ${e.message}`);
  }
});
total += statSync(join(DIR, manifest.seed)).size;

// Each planted junk entry must show the property it claims.
for (const j of manifest.junk) {
  const idx = all.findIndex((s) => s.file === j.file && s.header === j.header && s.level > 1);
  const s = all[idx];
  if (!s) {
    problems.push(`junk ${j.file} ${JSON.stringify(j.header)}: header not found`);
    continue;
  }
  const earlier = all.slice(0, idx).filter((o) => o.file !== j.file && o.level > 1);
  const shingles = ngrams(words(s.text), 5);
  const ok = {
    'navigation-header': () => NAV_WORDS.some((w) => s.header.toLowerCase().includes(w)),
    'caps-header': () => /[A-Z]/.test(s.header) && s.header === s.header.toUpperCase(),
    'empty-header': () => s.header === '',
    'too-short': () => s.text.length < MIN,
    'too-long': () => s.text.length > MAX,
    repetitive: () => repeatShare(s.text) > 0.3,
    'exact-duplicate': () => earlier.some((o) => norm(o.text) === norm(s.text)),
    'near-duplicate': () =>
      earlier.some(
        (o) => norm(o.text) !== norm(s.text) && jaccard(ngrams(words(o.text), 5), shingles) > 0.6,
      ),
  }[j.expect];
  if (!ok) problems.push(`junk ${j.file}: unknown expect ${j.expect}`);
  else if (!ok())
    problems.push(`junk ${j.file} ${JSON.stringify(j.header)}: does not look ${j.expect}`);
  // A segmenter may keep a whole document that fits the window as one segment (App. E only
  // says "including lower-level header subtrees"), so junk other than navigation sections
  // (which are cut out of their parent) must sit in a document whose text, without its
  // navigation sections, is over the window; then the planted section is a segment of its own.
  const doc = all.filter((o) => o.file === j.file);
  const navChars = doc
    .filter((o) => o.level > 1 && NAV_WORDS.some((w) => o.header.toLowerCase().includes(w)))
    .reduce((n, o) => n + o.header.length + o.text.length, 0);
  const docChars = (doc.find((o) => o.level === 1)?.text.length ?? 0) - navChars;
  if (j.expect !== 'navigation-header' && docChars <= MAX)
    problems.push(
      `junk ${j.file} ${JSON.stringify(j.header)}: document text ${docChars} chars fits the window whole`,
    );
  // Junk other than length junk should be in the length window, so only the intended filter fires.
  if (!['too-short', 'too-long'].includes(j.expect) && (s.text.length < MIN || s.text.length > MAX))
    problems.push(
      `junk ${j.file} ${JSON.stringify(j.header)}: ${s.text.length} chars, outside ${MIN}–${MAX}`,
    );
}

// The junk list must be complete: no in-window section outside it may trip a content filter.
const planned = new Set(manifest.junk.map((j) => `${j.file}\u0000${j.header}`));
all.forEach((s, idx) => {
  if (s.level === 1 || planned.has(`${s.file}\u0000${s.header}`)) return;
  if (s.text.length < MIN || s.text.length > MAX) return;
  const where = `${s.file} ${JSON.stringify(s.header)}`;
  // A blank header is not junk: its text continues the section before it (issue 13 item 7).
  if (s.header !== '' && s.header === s.header.toUpperCase())
    problems.push(`${where}: unplanned caps header`);
  if (NAV_WORDS.some((w) => s.header.toLowerCase().includes(w)))
    problems.push(`${where}: unplanned navigation header`);
  if (repeatShare(s.text) > 0.3) problems.push(`${where}: unplanned repetitive section`);
  const sh = ngrams(words(s.text), 5);
  for (const o of all.slice(0, idx)) {
    if (o.level === 1 || o.file === s.file || o.text.length < MIN) continue;
    if (jaccard(ngrams(words(o.text), 5), sh) > 0.3)
      problems.push(`${where}: unplanned overlap with ${o.file} ${JSON.stringify(o.header)}`);
  }
});

console.log(rows.join('\n'));
const inWindow = all.filter(
  (s) => s.level > 1 && s.text.length >= MIN && s.text.length <= MAX,
).length;
console.log(
  `\n${manifest.documents.length} documents, ${all.length} headers (${inWindow} non-title sections in ${MIN}–${MAX}),`,
);
console.log(
  `${seedLines.length} seed pairs (output ${Math.min(...seedLens)}–${Math.max(...seedLens)} chars), ${manifest.junk.length} junk entries, ${(total / 1024).toFixed(1)} KiB total`,
);
if (problems.length) {
  console.error(`\n${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('OK');
