import { describe, expect, it } from 'vitest';
import {
  BufferedDedupIndex,
  dedupSegments,
  Deduplicator,
  MemoryDedupIndex,
  type IdentifiedSegment,
} from '../../../src/lib/corpus/dedup';
import { prose } from './fixtures';

const seg = (id: string, text: string, dropReason?: IdentifiedSegment['dropReason']) =>
  ({ id, headerPath: [], text, ...(dropReason ? { dropReason } : {}) }) as IdentifiedSegment;

/** Replaces every `step`-th word, i.e. "a paragraph with a few words changed". */
function edit(text: string, step: number): string {
  return text
    .split(' ')
    .map((w, i) => (i % step === step - 1 ? `changed${i}` : w))
    .join(' ');
}

describe('exact dedup', () => {
  it('catches a duplicate across two imports that share one index', async () => {
    const index = new MemoryDedupIndex();
    const text = prose(900, 1);
    const first = await dedupSegments(
      [seg('a1', text), seg('a2', prose(900, 2))],
      new Deduplicator(index),
    );
    // A later import (new Deduplicator, same persisted index), text differing in case/spacing.
    const second = await dedupSegments(
      [seg('b1', `  ${text.toUpperCase().replace(/ /g, '  ')}!`), seg('b2', prose(900, 3))],
      new Deduplicator(index),
    );
    expect(first.map((s) => s.dropReason)).toEqual([undefined, undefined]);
    expect(second.map((s) => s.dropReason)).toEqual(['exact-duplicate', undefined]);
    expect(second[0]).toMatchObject({ duplicateOf: 'a1', hash: first[0].hash });
    expect(index.hashes.size).toBe(3);
  });

  it('catches duplicates inside one batch and keeps the first', async () => {
    const text = prose(700, 4);
    const out = await dedupSegments(
      [seg('x', text), seg('y', text), seg('z', text)],
      new Deduplicator(),
    );
    expect(out.map((s) => s.dropReason ?? 'kept')).toEqual([
      'kept',
      'exact-duplicate',
      'exact-duplicate',
    ]);
  });

  it('gives dropped segments a hash but never indexes them', async () => {
    const index = new MemoryDedupIndex();
    const text = prose(700, 5);
    const out = await dedupSegments(
      [seg('short', text, 'too-short'), seg('kept', text)],
      new Deduplicator(index),
    );
    expect(out[0]).toMatchObject({ dropReason: 'too-short', hash: out[1].hash });
    expect(out[1].dropReason).toBeUndefined();
    expect([...index.hashes.values()]).toEqual(['kept']);
  });

  it('is idempotent when a resumed batch re-checks a registered segment', async () => {
    const dedup = new Deduplicator();
    const text = prose(700, 6);
    expect((await dedup.check('s1', text)).reason).toBeUndefined();
    expect((await dedup.check('s1', text)).reason).toBeUndefined();
    expect((await dedup.check('s2', text)).reason).toBe('exact-duplicate');
  });
});

describe('near dedup', () => {
  it('catches a paragraph with a few words changed, not a different text', async () => {
    const original = prose(1500, 7);
    // 3 of ~220 words changed. Each change alters 5 word 5-grams, so the true Jaccard is
    // about (n − 15) / (n + 15) ≈ 0.87 — still above the 0.8 threshold.
    const lightlyEdited = edit(original, 70);
    const different = prose(1500, 8);
    const out = await dedupSegments(
      [seg('o', original), seg('e', lightlyEdited), seg('d', different)],
      new Deduplicator(),
    );
    expect(out.map((s) => s.dropReason)).toEqual([undefined, 'near-duplicate', undefined]);
    expect(out[1].duplicateOf).toBe('o');
    expect(out[1].hash).not.toBe(out[0].hash);
  });

  it('keeps a heavily edited text (estimated Jaccard below 0.8)', async () => {
    const original = prose(1500, 9);
    const out = await dedupSegments(
      [seg('o', original), seg('h', edit(original, 4))],
      new Deduplicator(),
    );
    expect(out.map((s) => s.dropReason)).toEqual([undefined, undefined]);
  });

  it('respects a configurable threshold', async () => {
    const original = prose(1500, 10);
    const edited = edit(original, 70);
    const pair = [seg('o', original), seg('e', edited)];
    const strict = await dedupSegments(pair, new Deduplicator(undefined, { nearThreshold: 0.97 }));
    const normal = await dedupSegments(pair, new Deduplicator(undefined, { nearThreshold: 0.8 }));
    expect(strict[1].dropReason).toBeUndefined();
    expect(normal[1].dropReason).toBe('near-duplicate');
  });
});

describe('buffered index (batch commit / reload)', () => {
  it('sees its own pending additions, commits them, and forgets discarded ones', async () => {
    const committed = new MemoryDedupIndex();
    const buffered = new BufferedDedupIndex(committed);
    const dedup = new Deduplicator(buffered);
    const a = prose(900, 11);
    const b = prose(900, 12);
    expect((await dedup.check('a', a)).reason).toBeUndefined();
    expect((await dedup.check('a-copy', a)).reason).toBe('exact-duplicate'); // pending is visible
    expect(committed.hashes.size).toBe(0);

    const pending = buffered.takePending();
    expect(pending.hashes).toEqual([{ hash: dedup.hash(a), segmentId: 'a' }]);
    expect(pending.buckets).toHaveLength(20);
    expect(pending.signatures[0].signature).toHaveLength(128);
    // The ingestion layer writes these in its batch transaction; do the same here.
    for (const h of pending.hashes) await committed.addHash(h.hash, h.segmentId);
    for (const e of pending.buckets) await committed.addToBuckets([e.bandKey], e.segmentId);
    for (const s of pending.signatures) await committed.putSignature(s.segmentId, s.signature);

    // A failed batch: its additions vanish, so a retry decides the same way.
    expect((await dedup.check('b', b)).reason).toBeUndefined();
    buffered.discardPending();
    expect(await buffered.getHash(dedup.hash(b))).toBeUndefined();

    // "Reload": a fresh deduplicator over the committed state still knows 'a' (also near).
    const reloaded = new Deduplicator(new BufferedDedupIndex(committed));
    expect((await reloaded.check('a2', a)).reason).toBe('exact-duplicate');
    expect((await reloaded.check('a3', edit(a, 70))).reason).toBe('near-duplicate');
    expect((await reloaded.check('b', b)).reason).toBeUndefined();
  });

  it('serialises concurrent checks so two copies cannot both be kept', async () => {
    const dedup = new Deduplicator();
    const text = prose(800, 13);
    const verdicts = await Promise.all([dedup.check('p', text), dedup.check('q', text)]);
    expect(verdicts.map((v) => v.reason)).toEqual([undefined, 'exact-duplicate']);
  });
});
