// The one sweep record the tests build (schema step 8): a small plan with two curated arms,
// for store and state tests; the sweep runner's test overrides the plan and arms it runs.
import type { SweepArm, SweepPlan } from '../../src/lib/domain';
import type { NewSweep } from '../../src/lib/store/sweeps-repo';

const TWO_CURATED: SweepArm[] = [
  { key: 'curated-2', kind: 'curated', n: 2, status: 'pending' },
  { key: 'curated-4', kind: 'curated', n: 4, status: 'pending' },
];

export function newSweep(
  workspaceId: string,
  runId: string,
  plan: Partial<SweepPlan> = {},
  arms: SweepArm[] = TWO_CURATED,
): NewSweep {
  return {
    workspaceId,
    runId,
    name: 'sweep',
    plan: {
      runId,
      ns: [2, 4],
      sampleSeed: 1,
      candidateRole: 'rater',
      baseLabel: 'tiny',
      baseSource: 'hf',
      reference: { role: 'rater' },
      judge: { role: 'judge' },
      promptSetId: 'starter',
      promptSetName: 'Starter',
      prompts: [{ text: 'Hi?' }],
      tagging: 'both',
      evaluation: {
        temperature: 0.7,
        topP: 0.9,
        maxTokens: 16,
        judgeMaxTokens: 16,
        seed: 1,
        batchSize: 1,
      },
      train: { maxLength: 64 },
      ...plan,
    },
    arms: arms.map((a) => ({ ...a })),
  };
}
