// A small synthetic instruction task for the trainer tests: 20 instructions, each with a fixed
// one-word answer, rendered with the Llama-2 chat template and the REAL Llama-2 tokenizer, then
// re-numbered onto a compact vocabulary (the ids the task uses + EOS) so the tiny model's
// vocabulary stays 512 and a training step takes milliseconds. Greedy decoding runs the
// forward graph (llama-graph.ts) with the trained LoRA and maps ids back to text.
import * as ort from 'onnxruntime-web/webgpu';
import { ChatTemplate } from '../../../src/lib/engines/hf/chat-template';
import { LORA_MODULES } from '../../../src/lib/engines/onnx/llama-graph';
import { LlamaForward } from '../../../src/lib/engines/onnx/llama-session';
import type { F32Tensor } from '../../../src/lib/engines/onnx/safetensors';
import { createGraphRunner } from '../../../src/lib/engines/onnx/train-session';
import {
  chatFor,
  tokenizeExamples,
  type SourcePair,
  type TrainExample,
} from '../../../src/lib/train/data';
import type { LoraConfig } from '../../../src/lib/train/lora-config';
import { makeTinyCheckpoint, type TinyCheckpoint } from '../../helpers/tiny-checkpoint';
import { LLAMA2_TEMPLATE, llamaTokenizer } from '../engines/hf-fixtures';

export const WORDS = [
  'apple',
  'river',
  'stone',
  'cloud',
  'tiger',
  'piano',
  'lemon',
  'castle',
  'rocket',
  'garden',
  'silver',
  'forest',
  'window',
  'dragon',
  'coffee',
  'planet',
  'mirror',
  'ocean',
  'candle',
  'bridge',
];

/** Distinct one-word keys (digits would split "13" into "1", "3" and share prefixes). */
export const KEYS = [
  'cat',
  'dog',
  'sun',
  'car',
  'moon',
  'blue',
  'tree',
  'book',
  'horse',
  'bird',
  'milk',
  'rain',
  'snow',
  'fire',
  'gold',
  'salt',
  'road',
  'ship',
  'king',
  'door',
];

export const tokenizer = llamaTokenizer();
export const template = new ChatTemplate(LLAMA2_TEMPLATE, '<s>', '</s>');

export function taskPairs(): SourcePair[] {
  return WORDS.map((word, i) => ({
    id: `p${i}`,
    instruction: `Word for ${` ${KEYS[i]}`.repeat(8).trim()}?`,
    output: word,
    origin: 'seed' as const,
  }));
}

export interface CompactTask {
  examples: TrainExample[];
  /** real id → compact id, and back */
  toCompact: Map<number, number>;
  toReal: number[];
  eosCompact: number;
}

export function compactTask(maxLength = 64): CompactTask {
  const { examples } = tokenizeExamples(taskPairs(), 'seed', tokenizer, template, maxLength);
  const eos = tokenizer.eosIds[0];
  const ids = new Set<number>([eos, 0]);
  for (const e of examples) for (const id of e.ids) ids.add(id);
  const toReal = [...ids].sort((a, b) => a - b);
  const toCompact = new Map(toReal.map((id, i) => [id, i]));
  const mapped = examples.map((e) => ({
    ...e,
    ids: Int32Array.from(e.ids, (id) => toCompact.get(id) as number),
  }));
  return { examples: mapped, toCompact, toReal, eosCompact: toCompact.get(eos) as number };
}

export function tinyModel(): TinyCheckpoint {
  return makeTinyCheckpoint({ arch: 'llama', vocabSize: 512, seed: 4321 });
}

export function nodeRunnerFactory() {
  ort.env.wasm.numThreads = 1;
  return (model: Uint8Array) => createGraphRunner(ort, model);
}

/** Greedy decoding of training prompts with the adapter (full recompute per token: tiny). */
export async function greedyAnswers(
  ckpt: TinyCheckpoint,
  task: CompactTask,
  pairs: SourcePair[],
  lora: LoraConfig,
  tensors: Record<string, F32Tensor>,
  maxNew = 6,
): Promise<string[]> {
  const forward = await LlamaForward.create(ort, ckpt.config, ckpt.tensors, {
    withPast: false,
    withPresent: false,
    lastLogitsOnly: true,
    loraModules: lora.targetModules ?? LORA_MODULES,
  });
  forward.setLora({ scale: lora.alpha / lora.rank, tensors });
  try {
    const answers: string[] = [];
    for (const pair of pairs) answers.push(await greedyOne(forward, task, pair, maxNew));
    return answers;
  } finally {
    await forward.release();
  }
}

async function greedyOne(
  forward: LlamaForward,
  task: CompactTask,
  pair: SourcePair,
  maxNew: number,
): Promise<string> {
  const { prompt } = chatFor(pair, 'seed');
  const promptText = template.render(prompt, { addGenerationPrompt: true });
  const real = tokenizer.encode(promptText, { addSpecialTokens: false });
  const ids = Array.from(real, (id) => {
    const c = task.toCompact.get(id);
    if (c === undefined) throw new Error(`prompt token ${id} is outside the compact vocabulary`);
    return c;
  });
  const out: number[] = [];
  for (let step = 0; step < maxNew; step++) {
    const seq = ids.length;
    const mask = new Int32Array(seq).fill(1);
    const positions = Int32Array.from({ length: seq }, (_, i) => i);
    const { logits } = await forward.run({
      batch: 1,
      seq,
      inputIds: Int32Array.from(ids),
      attentionMask: mask,
      positionIds: positions,
    });
    let best = 0;
    for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
    if (best === task.eosCompact) break;
    ids.push(best);
    out.push(task.toReal[best] ?? 0);
  }
  return tokenizer.decode(out).trim();
}
