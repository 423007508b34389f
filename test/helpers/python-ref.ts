// Runs test/reference/llama_ref.py (independent NumPy implementation) on a checkpoint folder.
// Finds a Python with NumPy (pyenv `python3`, then Debian's /usr/bin/python3) and FAILS when
// there is none: the reference comparison is the point of the forward tests.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SCRIPT = join(import.meta.dirname, '..', 'reference', 'llama_ref.py');
let cachedPython: string | undefined;

export function findPythonWithNumpy(): string {
  if (cachedPython) return cachedPython;
  const tried: string[] = [];
  for (const candidate of ['python3', '/usr/bin/python3']) {
    try {
      // sys.executable skips pyenv's shim script on every later call.
      const exe = execFileSync(candidate, ['-c', 'import numpy, sys; print(sys.executable)'], {
        stdio: 'pipe',
        encoding: 'utf8',
      }).trim();
      cachedPython = exe || candidate;
      return cachedPython;
    } catch (e) {
      tried.push(`${candidate}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(
    `No Python with NumPy found (needed for the reference forward). Tried: ${tried.join('; ')}. ` +
      'Install python3-numpy.',
  );
}

export interface ReferenceRequest {
  inputIds: number[][];
  attentionMask: number[][];
  positionIds: number[][];
  lora?: { path: string; scale: number };
}

export interface ReferenceResult {
  logits: Float64Array;
  shape: number[];
  invFreq: number[];
}

export function runReference(modelDir: string, req: ReferenceRequest): ReferenceResult {
  const requestPath = join(modelDir, 'request.json');
  const outPrefix = join(modelDir, 'reference');
  writeFileSync(
    requestPath,
    JSON.stringify({
      input_ids: req.inputIds,
      attention_mask: req.attentionMask,
      position_ids: req.positionIds,
      lora: req.lora ?? null,
    }),
  );
  execFileSync(findPythonWithNumpy(), [SCRIPT, modelDir, requestPath, outPrefix], {
    stdio: 'pipe',
  });
  const meta = JSON.parse(readFileSync(`${outPrefix}.json`, 'utf8')) as {
    shape: number[];
    inv_freq: number[];
  };
  const bin = readFileSync(`${outPrefix}.bin`);
  const logits = new Float64Array(
    bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
  );
  return { logits, shape: meta.shape, invFreq: meta.inv_freq };
}
