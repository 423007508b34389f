import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatDuration, formatRate } from '../../../src/lib/util/format';

describe('format', () => {
  it('bytes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(10 * 1024 ** 3)).toBe('10 GB');
    expect(formatBytes(-1)).toBe('–');
  });
  it('durations', () => {
    expect(formatDuration(null)).toBe('–');
    expect(formatDuration(44.6)).toBe('45 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(7500)).toBe('2 h 05 min');
  });
  it('rates: slow jobs per minute, bytes as sizes', () => {
    expect(formatRate(null, 'steps')).toBe('–');
    expect(formatRate(0.25, 'steps')).toBe('15.0 steps/min');
    expect(formatRate(2048, 'bytes')).toBe('2.0 KB/s');
    expect(formatRate(1234.4, 'tokens')).toBe('1234 tokens/s');
  });
  it('counts', () => {
    expect(formatCount(1200, 5000, 'pairs')).toBe('1,200 / 5,000 pairs');
    expect(formatCount(7, null, 'rows')).toBe('7 rows');
    expect(formatCount(45, 100, 'percent')).toBe('45 %');
    expect(formatCount(1024, 2048, 'bytes')).toBe('1.0 KB / 2.0 KB');
  });
});
