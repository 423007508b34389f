// A random ~50M-parameter Llama-shaped checkpoint (hidden 512, 8 layers, 8 heads / 4 kv heads,
// intermediate 1408, vocab 32000 = the Llama-2 tokenizer), built in memory with the Llama-2
// tokenizer and, where asked, a chat template; the one random model of the node benches.
import type { ModelFiles } from '../../src/lib/engines/hf/model-files';
import { parseDecoderConfig } from '../../src/lib/engines/onnx/config';
import {
  checkpointTensorNames,
  checkpointTensorShape,
} from '../../src/lib/engines/onnx/llama-graph';
import { writeSafetensors, type TensorToWrite } from '../../src/lib/engines/onnx/safetensors';
import { mulberry32, normalArray } from '../helpers/tiny-checkpoint';
import { llamaFiles } from '../unit/engines/hf-fixtures';

export const RANDOM_50M_CONFIG = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 512,
  intermediate_size: 1408,
  num_hidden_layers: 8,
  num_attention_heads: 8,
  num_key_value_heads: 4,
  vocab_size: 32000,
  max_position_embeddings: 2048,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: false,
};

/** The model's files (bf16 weights, N(0, 0.02) like HF's init); `chatTemplate` is optional. */
export function randomModel50m(chatTemplate?: string): ModelFiles {
  const config = parseDecoderConfig(RANDOM_50M_CONFIG);
  const rand = mulberry32(42);
  const tensors: Record<string, TensorToWrite> = {};
  for (const name of checkpointTensorNames(config)) {
    const shape = checkpointTensorShape(config, name);
    const n = shape.reduce((a, b) => a * b, 1);
    const data = name.endsWith('norm.weight')
      ? new Float32Array(n).fill(1)
      : normalArray(rand, n, 0.02);
    tensors[name] = { dtype: 'BF16', shape, data };
  }
  const bytes = writeSafetensors(tensors) as Uint8Array<ArrayBuffer>;
  const tok = llamaFiles();
  return {
    modelId: 'random-50m',
    config: RANDOM_50M_CONFIG,
    tokenizerJson: tok.tokenizerJson,
    tokenizerConfig: chatTemplate
      ? { ...tok.tokenizerConfig, chat_template: chatTemplate }
      : tok.tokenizerConfig,
    weights: [{ file: 'model.safetensors', blob: new Blob([bytes]) }],
    weightBytes: bytes.length,
  };
}
