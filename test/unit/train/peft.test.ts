// PEFT adapter export/import (exact PEFT names, [r, in] / [out, r] layouts, config fields),
// plus PEFT-style LoRA init and the seeded dropout masks.
import { describe, expect, it } from 'vitest';
import { parseDecoderConfig } from '../../../src/lib/engines/onnx/config';
import { LORA_MODULES } from '../../../src/lib/engines/onnx/llama-graph';
import {
  parseSafetensors,
  toFloat32,
  writeSafetensors,
} from '../../../src/lib/engines/onnx/safetensors';
import { InputError } from '../../../src/lib/protocol/errors';
import { dropoutMaskName, type LoraConfig } from '../../../src/lib/train/lora-config';
import { dropoutMasks, initLora } from '../../../src/lib/train/lora-init';
import {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  exportPeftAdapter,
  importPeftAdapter,
} from '../../../src/lib/train/peft';
import { makeTinyLora, tinyConfigJson } from '../../helpers/tiny-checkpoint';

const config = parseDecoderConfig(tinyConfigJson('qwen2')); // H 48, I 96, 4 heads, 1 KV head
const lora: LoraConfig = {
  rank: 4,
  alpha: 8,
  dropout: 0.05,
  targetModules: ['q_proj', 'v_proj', 'down_proj'],
  useRslora: false,
};

describe('PEFT adapter files', () => {
  const tensors = makeTinyLora(config, lora.targetModules, lora.rank, 3);
  const files = exportPeftAdapter(config, lora, tensors, 'Qwen/Qwen2.5-0.5B');

  it('uses PEFT tensor names and [r, in] / [out, r] layouts', () => {
    const st = parseSafetensors(files[ADAPTER_WEIGHTS_FILE]);
    const names = [...st.tensors.keys()].sort();
    expect(names).toEqual(
      [
        'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight',
        'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight',
        'base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight',
        'base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight',
        'base_model.model.model.layers.0.mlp.down_proj.lora_A.weight',
        'base_model.model.model.layers.0.mlp.down_proj.lora_B.weight',
        'base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight',
        'base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight',
        'base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight',
        'base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight',
        'base_model.model.model.layers.1.mlp.down_proj.lora_A.weight',
        'base_model.model.model.layers.1.mlp.down_proj.lora_B.weight',
      ].sort(),
    );
    const shape = (n: string) => st.tensors.get(`base_model.model.model.layers.1.${n}`)?.shape;
    expect(shape('self_attn.q_proj.lora_A.weight')).toEqual([4, 48]);
    expect(shape('self_attn.q_proj.lora_B.weight')).toEqual([48, 4]);
    expect(shape('self_attn.v_proj.lora_B.weight')).toEqual([12, 4]); // 1 KV head × 12
    expect(shape('mlp.down_proj.lora_A.weight')).toEqual([4, 96]);
    expect(shape('mlp.down_proj.lora_B.weight')).toEqual([48, 4]);
    // Transposed, not reshaped: PEFT A[k, i] is our A[i, k]; PEFT B[o, k] is our B[k, o].
    const peftA = toFloat32(
      st.tensors.get('base_model.model.model.layers.1.mlp.down_proj.lora_A.weight')!,
    );
    const ourA = tensors['lora.1.down_proj.A'];
    expect(peftA.data[2 * 96 + 37]).toBe(ourA.data[37 * 4 + 2]);
    const peftB = toFloat32(
      st.tensors.get('base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight')!,
    );
    expect(peftB.data[7 * 4 + 1]).toBe(tensors['lora.0.v_proj.B'].data[1 * 12 + 7]);
  });

  it('writes a PEFT LoRA adapter_config.json', () => {
    const cfg = JSON.parse(new TextDecoder().decode(files[ADAPTER_CONFIG_FILE]));
    expect(cfg).toMatchObject({
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      base_model_name_or_path: 'Qwen/Qwen2.5-0.5B',
      r: 4,
      lora_alpha: 8,
      lora_dropout: 0.05,
      target_modules: ['q_proj', 'v_proj', 'down_proj'],
      bias: 'none',
      use_rslora: false,
    });
  });

  it('round-trips export → import exactly', () => {
    const imported = importPeftAdapter(
      config,
      new TextDecoder().decode(files[ADAPTER_CONFIG_FILE]),
      files[ADAPTER_WEIGHTS_FILE],
    );
    expect(imported.lora).toEqual(lora);
    expect(imported.scale).toBe(2);
    expect(Object.keys(imported.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      expect(imported.tensors[name].shape).toEqual(t.shape);
      expect(imported.tensors[name].data).toEqual(t.data);
    }
  });

  it('rejects adapters it cannot represent, naming the file and field', () => {
    const cfgText = new TextDecoder().decode(files[ADAPTER_CONFIG_FILE]);
    const weights = files[ADAPTER_WEIGHTS_FILE];
    const withCfg = (patch: Record<string, unknown>) => ({ ...JSON.parse(cfgText), ...patch });
    expect(() => importPeftAdapter(config, withCfg({ use_dora: true }), weights)).toThrow(/DoRA/);
    expect(() =>
      importPeftAdapter(config, withCfg({ target_modules: ['lm_head'] }), weights),
    ).toThrow(InputError);
    const rs = withCfg({ r: 8 });
    expect(() => importPeftAdapter(config, rs, weights)).toThrow(
      /has shape \[4,48\], expected \[8,48\]/,
    );
    const missing = withCfg({ target_modules: ['q_proj', 'v_proj', 'down_proj', 'up_proj'] });
    expect(() => importPeftAdapter(config, missing, weights)).toThrow(
      /missing tensor "base_model\.model\.model\.layers\.0\.mlp\.up_proj\.lora_A\.weight"/,
    );
    const stray = writeSafetensors({
      'model.embed_tokens.weight': { dtype: 'F32', shape: [1], data: Float32Array.of(1) },
    });
    expect(() => importPeftAdapter(config, cfgText, stray)).toThrow(/unexpected tensor/);
  });
});

describe('LoRA init (PEFT kaiming_uniform(a=√5) for A, zeros for B) and dropout masks', () => {
  const all: LoraConfig = { rank: 8, alpha: 16, dropout: 0.1, targetModules: LORA_MODULES };

  it('draws A in U(−1/√in, 1/√in), B = 0, deterministically per seed', () => {
    const init = initLora(config, all, 42);
    const a = init['lora.0.down_proj.A']; // in = 96
    const bound = 1 / Math.sqrt(96);
    expect(a.shape).toEqual([96, 8]);
    expect(Math.max(...a.data.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...a.data.map(Math.abs))).toBeGreaterThan(0.9 * bound); // fills the range
    const variance = a.data.reduce((s, x) => s + x * x, 0) / a.data.length;
    expect(variance).toBeGreaterThan((0.8 * (bound * bound)) / 3);
    expect(variance).toBeLessThan((1.2 * (bound * bound)) / 3);
    expect(init['lora.1.q_proj.B'].data.every((x) => x === 0)).toBe(true);
    expect(initLora(config, all, 42)['lora.0.down_proj.A'].data).toEqual(a.data);
    expect(initLora(config, all, 43)['lora.0.down_proj.A'].data).not.toEqual(a.data);
  });

  it('makes bool keep masks with drop rate p, reproducible per (seed, step, micro)', () => {
    const shape = { batch: 2, seq: 16 };
    const masks = dropoutMasks(config, all, shape, 7, 3, 0);
    const m = masks[dropoutMaskName(1, 'gate_proj')];
    expect(m.shape).toEqual([32, 48]);
    const dropped = m.data.filter((x) => x === 0).length / m.data.length;
    expect(m.data).toBeInstanceOf(Uint8Array);
    expect(new Set(m.data)).toEqual(new Set([0, 1]));
    expect(dropped).toBeGreaterThan(0.05);
    expect(dropped).toBeLessThan(0.15);
    expect(dropoutMasks(config, all, shape, 7, 3, 0)[dropoutMaskName(1, 'gate_proj')].data).toEqual(
      m.data,
    );
    expect(
      dropoutMasks(config, all, shape, 7, 4, 0)[dropoutMaskName(1, 'gate_proj')].data,
    ).not.toEqual(m.data);
    expect(
      dropoutMasks(config, all, shape, 7, 3, 1)[dropoutMaskName(1, 'gate_proj')].data,
    ).not.toEqual(m.data);
    // Sites draw from one stream: two sites of the same size get different masks.
    expect(masks[dropoutMaskName(0, 'q_proj')].data).not.toEqual(
      masks[dropoutMaskName(0, 'k_proj')].data,
    );
  });
});
