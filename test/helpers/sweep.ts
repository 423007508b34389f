// A small sweep record for store tests (schema step 8).
import type { NewSweep } from '../../src/lib/store/sweeps-repo';

export function newSweep(workspaceId: string, runId: string): NewSweep {
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
    },
    arms: [
      { key: 'curated-2', kind: 'curated', n: 2, status: 'pending' },
      { key: 'curated-4', kind: 'curated', n: 4, status: 'pending' },
    ],
  };
}
