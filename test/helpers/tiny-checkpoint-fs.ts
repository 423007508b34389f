// Node-only side of the tiny checkpoints: writes them (and LoRA adapters) to a temp folder
// so the Python reference reads the very same files the TS loader parses.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors, type F32Tensor } from '../../src/lib/engines/onnx/safetensors';
import type { TinyCheckpoint } from './tiny-checkpoint';

const created: string[] = [];

export function tempDir(prefix = 'humpback-onnx-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Removes every folder tempDir made (call from afterAll). */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes every file of the checkpoint into a new temp folder; returns the folder. */
export function writeCheckpointDir(ckpt: TinyCheckpoint): string {
  const dir = tempDir();
  for (const [name, bytes] of Object.entries(ckpt.files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

/** Writes LoRA tensors (graph names) as an F32 safetensors file; returns its path. */
export function writeLoraFile(dir: string, tensors: Record<string, F32Tensor>): string {
  const path = join(dir, 'adapter.safetensors');
  const entries = Object.fromEntries(
    Object.entries(tensors).map(([name, t]) => [name, { dtype: 'F32' as const, ...t }]),
  );
  writeFileSync(path, writeSafetensors(entries));
  return path;
}
