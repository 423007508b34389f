import { describe, expect, it } from 'vitest';
import {
  AppError,
  CancelledError,
  ConflictError,
  InputError,
  NotFoundError,
  QuotaExceededError,
  WebGpuUnavailableError,
  deserializeError,
  isCancel,
  serializeError,
} from '../../../src/lib/protocol';

const roundTrip = (e: unknown) => deserializeError(structuredClone(serializeError(e)));

describe('errors as data', () => {
  it('keeps the class and fields of every app error', () => {
    for (const e of [
      new WebGpuUnavailableError('no adapter'),
      new NotFoundError('no workspace w1', { id: 'w1' }),
      new ConflictError('stage moved on', { runId: 'r1', stage: 'augment' }),
      new AppError('generic', { code: 3 }),
    ]) {
      const back = roundTrip(e);
      expect(back).toBeInstanceOf(e.constructor);
      expect(back.message).toBe(e.message);
      expect((back as AppError).data).toEqual(e.data);
    }
  });

  it('rebuilds InputError without repeating its location in the message', () => {
    const back = roundTrip(new InputError('bad date', { file: 'a.csv', line: 4 })) as InputError;
    expect(back.message).toBe('a.csv, line 4: bad date');
    expect(back.reason).toBe('bad date');
    expect(back.line).toBe(4);
  });

  it('maps DOMException-style names to app classes', () => {
    const quota = new Error('The quota has been exceeded.');
    quota.name = 'QuotaExceededError';
    expect(roundTrip(quota)).toBeInstanceOf(QuotaExceededError);
    const abort = new Error('aborted');
    abort.name = 'AbortError';
    expect(roundTrip(abort)).toBeInstanceOf(CancelledError);
    expect(isCancel(abort)).toBe(true);
    expect(isCancel(new Error('x'))).toBe(false);
  });

  it('turns thrown non-errors into readable messages', () => {
    expect(roundTrip('plain string').message).toBe('plain string');
    expect(roundTrip({ code: 7 }).message).toBe('{"code":7}');
  });
});
