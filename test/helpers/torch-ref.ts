// Runs test/reference/lora_grads_torch.py (independent PyTorch autograd reference). Finds a
// Python with torch (Debian's /usr/bin/python3 first, then python3) and FAILS when there is
// none: the comparison is the point of the gradient tests.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SCRIPT = join(import.meta.dirname, '..', 'reference', 'lora_grads_torch.py');
let cachedPython: string | undefined;

export function findPythonWithTorch(): string {
  if (cachedPython) return cachedPython;
  const tried: string[] = [];
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(candidate, ['-c', 'import torch'], { stdio: 'pipe' });
      cachedPython = candidate;
      return candidate;
    } catch (e) {
      tried.push(`${candidate}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(
    `No Python with PyTorch found (needed for the LoRA gradient reference). Tried: ${tried.join('; ')}. ` +
      'Install python3-torch.',
  );
}

export interface TorchGradRequest {
  inputIds: number[][];
  attentionMask: number[][];
  lossMask: number[][];
  lora: { path: string; scale: number };
  dropoutPath?: string;
}

export interface TorchGradResult {
  lossSum: number;
  tokenCount: number;
  grads: Record<string, number[]>;
}

/** Async, so the (slow) torch import overlaps the ORT session creation. */
export async function runTorchGrads(
  modelDir: string,
  req: TorchGradRequest,
): Promise<TorchGradResult> {
  const requestPath = join(modelDir, 'grad-request.json');
  const outPath = join(modelDir, 'grad-reference.json');
  writeFileSync(
    requestPath,
    JSON.stringify({
      input_ids: req.inputIds,
      attention_mask: req.attentionMask,
      loss_mask: req.lossMask,
      lora: req.lora,
      dropout: req.dropoutPath ?? null,
    }),
  );
  await promisify(execFile)(findPythonWithTorch(), [SCRIPT, modelDir, requestPath, outPath]);
  const out = JSON.parse(readFileSync(outPath, 'utf8')) as {
    loss_sum: number;
    token_count: number;
    grads: Record<string, number[]>;
  };
  return { lossSum: out.loss_sum, tokenCount: out.token_count, grads: out.grads };
}
