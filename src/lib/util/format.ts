// Number formatting for the UI: bytes, durations, rates. Pure, so components stay dumb.

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** "45 s", "3 min 20 s", "2 h 05 min"; null or non-finite gives "–". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** "12.5 segments/s"; below 1/s as "per minute" so slow jobs do not read "0.0". */
export function formatRate(rate: number | null, unit: string): string {
  if (rate === null || !Number.isFinite(rate)) return '–';
  if (rate > 0 && rate < 1) return `${(rate * 60).toFixed(1)} ${unit}/min`;
  if (unit === 'bytes') return `${formatBytes(rate)}/s`;
  return `${rate >= 100 ? Math.round(rate) : rate.toFixed(1)} ${unit}/s`;
}

export function formatCount(done: number, total: number | null, unit: string): string {
  if (unit === 'percent') return `${Math.round(done)} %`;
  const bytes = unit === 'bytes';
  const fmt = (x: number) => (bytes ? formatBytes(x) : x.toLocaleString('en-US'));
  const suffix = bytes ? '' : ` ${unit}`;
  return total === null ? `${fmt(done)}${suffix}` : `${fmt(done)} / ${fmt(total)}${suffix}`;
}
