// Learning-rate schedule: linear warmup, then cosine or linear decay to a floor, then the
// floor (nanoGPT's get_lr, with numbered phases).
//
// Defaults and why:
// - PAPER_FULL_FINETUNE (method.md §6, Table 18): "learning rate 1e-5 which linearly decays to
//   9e-6 at the end of training", no warmup reported. That is for FULL fine-tuning of 7B–70B.
// - DEFAULT_LORA_SCHEDULE: LoRA trains a small low-rank update from B = 0, and its effective
//   step is scaled by alpha/r; at 1e-5 it barely moves in the few hundred steps a browser run
//   affords. 2e-4 is the common LoRA default (the LoRA and QLoRA papers use 1e-4–2e-4 for
//   7B-class models), with a short warmup (Adam's second moment is noisy on the first steps)
//   and cosine decay to 10 % of the peak.

export interface LrSchedule {
  /** Peak learning rate (after warmup). */
  peakLr: number;
  /** Floor the decay ends at and stays on. */
  minLr: number;
  /** Steps of linear warmup (0 = start at the peak). */
  warmupSteps: number;
  /** Step index at which the decay reaches minLr (usually maxSteps − 1). */
  decayEnd: number;
  shape: 'cosine' | 'linear' | 'constant';
}

export const PAPER_FULL_FINETUNE: Omit<LrSchedule, 'decayEnd'> = {
  peakLr: 1e-5,
  minLr: 9e-6,
  warmupSteps: 0,
  shape: 'linear',
};

export const DEFAULT_LORA_SCHEDULE: Omit<LrSchedule, 'decayEnd'> = {
  peakLr: 2e-4,
  minLr: 2e-5,
  warmupSteps: 10,
  shape: 'cosine',
};

/** The learning rate of optimizer step `step` (0-based). */
export function getLr(step: number, s: LrSchedule): number {
  // 1) linear warmup for warmupSteps steps (step 0 already gets a non-zero rate)
  if (step < s.warmupSteps) return (s.peakLr * (step + 1)) / (s.warmupSteps + 1);
  // 2) constant schedules stay at the peak; past decayEnd, the floor
  if (s.shape === 'constant') return s.peakLr;
  if (step >= s.decayEnd) return s.minLr;
  // 3) in between, decay from the peak down to the floor
  const ratio = (step - s.warmupSteps) / Math.max(1, s.decayEnd - s.warmupSteps);
  const coeff = s.shape === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * ratio)) : 1 - ratio;
  return s.minLr + coeff * (s.peakLr - s.minLr);
}
