// Issue 5: "a trained adapter plugs straight into the runtime". LoRA is trained for a few
// steps with the training artifacts on one sequence, exported as PEFT files, loaded back
// with adapterSpecFromPeft and attached to OrtEngine: the engine then assigns the trained
// continuation a much higher log-probability than the base model does, and the PEFT round
// trip changes nothing compared with handing the engine the trained tensors directly.
import { describe, expect, it } from 'vitest';
import { loraTensorsToAdapter } from '../../../src/lib/engines/onnx/adapters';
import type { F32Tensor } from '../../../src/lib/engines/onnx/safetensors';
import { createGraphRunner, type HostTensor } from '../../../src/lib/engines/onnx/train-session';
import { batchFeeds, buildTrainingArtifacts, staticFeeds } from '../../../src/lib/train/artifacts';
import { gradName, loraParams, type LoraConfig } from '../../../src/lib/train/lora-config';
import { initLora } from '../../../src/lib/train/lora-init';
import { adamMName, adamVName, nextName } from '../../../src/lib/train/optimizer-graph';
import {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  adapterSpecFromPeft,
  exportPeftAdapter,
} from '../../../src/lib/train/peft';
import { loadTinyEngine, nodeOrt, tinyModel } from '../engines/ort-fixtures';

const lora: LoraConfig = {
  rank: 4,
  alpha: 16,
  dropout: 0,
  targetModules: ['q_proj', 'v_proj', 'down_proj'],
};
const PROMPT = 'The capital of the tiny kingdom is';
const ANSWER = ' Wobbleton';

describe('trained adapter → PEFT files → OrtEngine', () => {
  it('raises the trained continuation and survives the PEFT round trip', async () => {
    const ort = await nodeOrt();
    const { ckpt } = tinyModel('llama');
    const engine = await loadTinyEngine('llama');
    const tok = engine.loaded.tokenizer;

    // 1. One training sequence: BOS + prompt + answer, loss on the answer tokens only.
    const promptIds = [...tok.encode(PROMPT, { addSpecialTokens: true })];
    const allIds = [...tok.encode(PROMPT + ANSWER, { addSpecialTokens: true })];
    const seq = allIds.length;
    const batch = {
      batch: 1,
      seq,
      inputIds: Int32Array.from(allIds),
      attentionMask: new Int32Array(seq).fill(1),
      lossMask: Float32Array.from(allIds.map((_, i) => (i >= promptIds.length ? 1 : 0))),
    };

    // 2. A few AdamW steps with the training and optimizer graphs.
    const artifacts = buildTrainingArtifacts(ckpt.config, lora, {
      batch: 1,
      seq,
      vocabChunk: 8192,
    });
    const train = await createGraphRunner(ort, artifacts.train);
    const optimizer = await createGraphRunner(ort, artifacts.optimizer);
    const params = loraParams(ckpt.config, lora);
    let state: Record<string, F32Tensor> = initLora(ckpt.config, lora, 3);
    for (const p of params) {
      state[adamMName(p.name)] = {
        shape: p.shape,
        data: new Float32Array(p.shape[0] * p.shape[1]),
      };
      state[adamVName(p.name)] = {
        shape: p.shape,
        data: new Float32Array(p.shape[0] * p.shape[1]),
      };
    }
    const constants = staticFeeds(ckpt.config, lora, seq);
    const scalar = (v: number): HostTensor => ({ data: Float32Array.of(v), shape: [1] });
    const losses: number[] = [];
    for (let t = 1; t <= 8; t++) {
      const out = await train.run(batchFeeds(batch, constants, state, ckpt.tensors));
      losses.push(out.loss.data[0]);
      const feeds: Record<string, HostTensor> = {
        ...state,
        lr: scalar(5e-2),
        beta1: scalar(0.9),
        beta2: scalar(0.999),
        eps: scalar(1e-8),
        weight_decay: scalar(0),
        max_grad_norm: scalar(1),
        bc1: scalar(1 - 0.9 ** t),
        bc2: scalar(1 - 0.999 ** t),
        grad_scale: scalar(1 / out.token_count.data[0]),
      };
      for (const p of params) feeds[gradName(p.name)] = out[gradName(p.name)];
      const next = await optimizer.run(feeds);
      const updated: Record<string, F32Tensor> = {};
      for (const p of params) {
        for (const n of [p.name, adamMName(p.name), adamVName(p.name)])
          updated[n] = next[nextName(n)] as F32Tensor;
      }
      state = updated;
    }
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.5);

    // 3. PEFT files, as the Train step's download writes them, back into an AdapterSpec.
    const trained = Object.fromEntries(params.map((p) => [p.name, state[p.name]]));
    const files = exportPeftAdapter(ckpt.config, lora, trained, 'tiny-llama');
    const spec = adapterSpecFromPeft(
      'trained',
      ckpt.config,
      new TextDecoder().decode(files[ADAPTER_CONFIG_FILE]),
      files[ADAPTER_WEIGHTS_FILE],
    );
    await engine.addAdapter(spec);
    await engine.addAdapter(
      loraTensorsToAdapter(
        'direct',
        ckpt.config,
        trained,
        lora.targetModules,
        lora.rank,
        lora.alpha,
      ),
    );

    // 4. The engine with the adapter prefers the trained answer; the round trip is lossless.
    const req = { prompts: [PROMPT], continuations: [ANSWER] };
    const base = (await engine.score(req)).logprobs[0][0];
    const viaPeft = (await engine.score({ ...req, adapterId: 'trained' })).logprobs[0][0];
    const direct = (await engine.score({ ...req, adapterId: 'direct' })).logprobs[0][0];
    console.info(
      `log p(answer): base ${base.toFixed(3)}, trained ${viaPeft.toFixed(3)}; train loss ${losses[0].toFixed(3)} → ${losses.at(-1)!.toFixed(3)}`,
    );
    expect(viaPeft).toBeGreaterThan(base + 5);
    expect(Math.abs(viaPeft - direct)).toBeLessThan(1e-5);
  }, 180_000);
});
