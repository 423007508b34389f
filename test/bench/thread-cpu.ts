// CPU time per Chromium thread, read from /proc on the Vitest server (Linux only), for the
// browser benchmarks. On this shared 2-core machine wall-clock throughput swings 2–5× with
// the other processes' load, while the CPU seconds a run consumes barely move; and the
// per-thread split says what bounds a pipeline: the busiest thread bounds it on any number of
// cores, the sum of all threads bounds it on N cores (issue 14: the ingest ceiling).
import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds by thread group: `<process type>/<thread name without its number>`. */
export type ThreadCpu = Record<string, number>;

const clockTicks = 100; // USER_HZ on Linux

function statFields(path: string): { name: string; fields: string[] } | undefined {
  try {
    const stat = readFileSync(path, 'utf8');
    const close = stat.lastIndexOf(')');
    return {
      name: stat.slice(stat.indexOf('(') + 1, close),
      fields: stat.slice(close + 2).split(' '),
    };
  } catch {
    return undefined; // the process or thread ended meanwhile
  }
}

/**
 * CPU seconds (user + system) of every thread of every Chromium process that descends from
 * this Node process (the browser Vitest launched, not other users' browsers), grouped by
 * process type and thread name. Empty where /proc is missing.
 */
export function threadCpu(): ThreadCpu {
  const parentOf = new Map<number, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return {};
  }
  for (const pid of pids) {
    const s = statFields(`/proc/${pid}/stat`);
    if (s) parentOf.set(Number(pid), Number(s.fields[1]));
  }
  const descends = (pid: number): boolean => {
    for (let p = parentOf.get(pid), hops = 0; p !== undefined && hops < 32; hops++) {
      if (p === process.pid) return true;
      p = parentOf.get(p);
    }
    return false;
  };
  const out: ThreadCpu = {};
  for (const pid of parentOf.keys()) {
    if (!descends(pid)) continue;
    let cmd: string;
    let tids: string[];
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    if (!/chrom/i.test(cmd)) continue;
    const type = /--type=([a-z-]+)/.exec(cmd)?.[1] ?? 'browser';
    const sub = /--utility-sub-type=[\w.]*?(\w+)(?:\0|$)/.exec(cmd)?.[1];
    const proc = sub ? `${type}:${sub}` : type;
    const seconds = (f: string[]) => (Number(f[11]) + Number(f[12])) / clockTicks;
    let live = 0;
    for (const tid of tids) {
      const s = statFields(`/proc/${pid}/task/${tid}/stat`);
      if (!s) continue;
      // The main thread carries the executable's name; numbered pool threads share a group.
      const thread = Number(tid) === pid ? 'main' : s.name.replace(/[\d/]+$/, '');
      const key = `${proc}/${thread}`;
      out[key] = (out[key] ?? 0) + seconds(s.fields);
      live += seconds(s.fields);
    }
    // The process's own figure includes threads that have ended (a terminated worker's).
    const whole = statFields(`/proc/${pid}/stat`);
    const ended = whole ? seconds(whole.fields) - live : 0;
    if (ended > 0) out[`${proc}/ended threads`] = (out[`${proc}/ended threads`] ?? 0) + ended;
  }
  return out;
}
