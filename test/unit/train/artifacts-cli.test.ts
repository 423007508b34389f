// `npm run artifacts` writes loadable training graphs and an io.json that names every input
// and output, and rejects bad arguments with a specific error.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { main } from '../../../scripts/artifacts';
import { makeTinyCheckpoint } from '../../helpers/tiny-checkpoint';
import { removeTempDirs, tempDir, writeCheckpointDir } from '../../helpers/tiny-checkpoint-fs';
import { InputError } from '../../../src/lib/protocol/errors';

ort.env.wasm.numThreads = 1;
afterAll(removeTempDirs);

describe('artifacts CLI', () => {
  it('writes train/eval/optimizer graphs whose inputs match io.json', async () => {
    const model = writeCheckpointDir(makeTinyCheckpoint({ arch: 'qwen2' }));
    const out = tempDir('humpback-artifacts-');
    const code = await main([
      '--model',
      model,
      '--out',
      out,
      '--rank',
      '4',
      '--alpha',
      '8',
      '--seq',
      '16',
      '--targets',
      'q_proj,v_proj',
      '--dropout',
      '0',
    ]);
    expect(code).toBe(0);
    for (const f of [
      'train.onnx',
      'eval.onnx',
      'optimizer.onnx',
      'lora_init.safetensors',
      'io.json',
      'README.md',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const io = JSON.parse(readFileSync(join(out, 'io.json'), 'utf8'));
    const session = await ort.InferenceSession.create(readFileSync(join(out, 'train.onnx')), {
      executionProviders: ['wasm'],
    });
    const documented = (io.graphs.train.inputs as { name: string }[]).map((i) => i.name).sort();
    expect([...session.inputNames].sort()).toEqual(documented);
    expect(session.outputNames).toContain('loss');
    expect(session.outputNames.filter((n) => n.startsWith('grad.lora.'))).toHaveLength(2 * 2 * 2); // layers × modules × {A,B}
    await session.release();
  }, 120_000);

  it('names the bad argument', async () => {
    await expect(main(['--out', '/tmp/x'])).rejects.toBeInstanceOf(InputError);
    const model = writeCheckpointDir(makeTinyCheckpoint({ arch: 'llama' }));
    await expect(
      main(['--model', model, '--out', tempDir(), '--targets', 'qq_proj']),
    ).rejects.toThrow(/--targets.*qq_proj/);
  });
});
