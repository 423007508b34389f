// Hugging Face config.json → the few numbers our Llama-family forward graph needs, plus the
// RoPE inverse frequencies (computed here, fed to the graph as an input) including Llama 3.x
// "llama3" frequency scaling, mirroring transformers' `_compute_llama3_parameters`.
import { ModelLoadError } from '../../protocol/errors';

export const SUPPORTED_ARCHITECTURES = ['LlamaForCausalLM', 'Qwen2ForCausalLM'] as const;
export type Architecture = (typeof SUPPORTED_ARCHITECTURES)[number];

export interface Llama3RopeScaling {
  type: 'llama3';
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}
export interface LinearRopeScaling {
  type: 'linear';
  factor: number;
}
export type RopeScaling = Llama3RopeScaling | LinearRopeScaling;

export interface DecoderConfig {
  architecture: Architecture;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling: RopeScaling | null;
  tieWordEmbeddings: boolean;
  vocabSize: number;
  maxPositionEmbeddings: number;
  /** Bias on q/k/v projections (Qwen2 always; Llama when attention_bias). */
  qkvBias: boolean;
  /** Bias on o_proj (Llama attention_bias; never Qwen2). */
  oBias: boolean;
  /** Bias on gate/up/down (Llama mlp_bias). */
  mlpBias: boolean;
}

type Json = Record<string, unknown>;

function fail(message: string, field?: string): never {
  throw new ModelLoadError(`config.json: ${message}`, { file: 'config.json', field });
}

function num(cfg: Json, field: string, fallback?: number): number {
  const v = cfg[field];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    fail(`missing "${field}"`, field);
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`"${field}" must be a number`, field);
  return v;
}

function positiveInt(cfg: Json, field: string, fallback?: number): number {
  const v = num(cfg, field, fallback);
  if (!Number.isInteger(v) || v <= 0) fail(`"${field}" must be a positive integer`, field);
  return v;
}

function parseRopeScaling(raw: unknown): RopeScaling | null {
  if (raw === undefined || raw === null) return null;
  const rs = raw as Json;
  const type = (rs.rope_type ?? rs.type) as string | undefined;
  if (type === undefined || type === 'default') return null;
  if (type === 'linear') return { type: 'linear', factor: num(rs, 'factor') };
  if (type === 'llama3') {
    return {
      type: 'llama3',
      factor: num(rs, 'factor'),
      lowFreqFactor: num(rs, 'low_freq_factor'),
      highFreqFactor: num(rs, 'high_freq_factor'),
      originalMaxPositionEmbeddings: num(rs, 'original_max_position_embeddings'),
    };
  }
  return fail(
    `rope_scaling type "${type}" is not supported (supported: default, linear, llama3)`,
    'rope_scaling',
  );
}

/** Parses config.json (as text or already-parsed JSON). */
export function parseDecoderConfig(source: string | Json): DecoderConfig {
  let cfg: Json;
  if (typeof source === 'string') {
    try {
      cfg = JSON.parse(source) as Json;
    } catch {
      return fail('not valid JSON');
    }
  } else cfg = source;
  const architectures = Array.isArray(cfg.architectures) ? (cfg.architectures as string[]) : [];
  const architecture = architectures.find((a): a is Architecture =>
    (SUPPORTED_ARCHITECTURES as readonly string[]).includes(a),
  );
  if (!architecture) {
    const named = architectures.length ? architectures.join(', ') : `model_type ${cfg.model_type}`;
    throw new ModelLoadError(
      `Unsupported architecture ${named}; supported: ${SUPPORTED_ARCHITECTURES.join(', ')}`,
      { file: 'config.json', field: 'architectures', architectures },
    );
  }
  const isQwen2 = architecture === 'Qwen2ForCausalLM';
  const hiddenSize = positiveInt(cfg, 'hidden_size');
  const numHeads = positiveInt(cfg, 'num_attention_heads');
  const numKvHeads = positiveInt(cfg, 'num_key_value_heads', numHeads);
  if (numHeads % numKvHeads !== 0) {
    fail('num_attention_heads must be a multiple of num_key_value_heads', 'num_key_value_heads');
  }
  const headDim = positiveInt(cfg, 'head_dim', hiddenSize / numHeads);
  if (headDim % 2 !== 0) fail('head_dim must be even for rotary embeddings', 'head_dim');
  const attentionBias = cfg.attention_bias === true;
  return {
    architecture,
    hiddenSize,
    intermediateSize: positiveInt(cfg, 'intermediate_size'),
    numLayers: positiveInt(cfg, 'num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    rmsNormEps: num(cfg, 'rms_norm_eps', 1e-6),
    ropeTheta: num(cfg, 'rope_theta', 10000),
    ropeScaling: parseRopeScaling(cfg.rope_scaling),
    // LlamaConfig and Qwen2Config both default to untied; loaders also tie when lm_head is absent.
    tieWordEmbeddings: cfg.tie_word_embeddings === true,
    vocabSize: positiveInt(cfg, 'vocab_size'),
    maxPositionEmbeddings: positiveInt(cfg, 'max_position_embeddings', 2048),
    qkvBias: isQwen2 || attentionBias,
    oBias: !isQwen2 && attentionBias,
    mlpBias: !isQwen2 && cfg.mlp_bias === true,
  };
}

/**
 * RoPE inverse frequencies [headDim/2], base^(-2i/d), with HF's scaling rules. Computed in f64
 * and rounded once to f32 (HF computes in f32; the difference is < 1 ulp of the angle).
 */
export function ropeInvFreq(config: DecoderConfig): Float32Array {
  const half = config.headDim / 2;
  const out = new Float32Array(half);
  const rs = config.ropeScaling;
  for (let i = 0; i < half; i++) {
    const invFreq = 1 / config.ropeTheta ** ((2 * i) / config.headDim);
    if (!rs) out[i] = invFreq;
    else if (rs.type === 'linear') out[i] = invFreq / rs.factor;
    else out[i] = llama3Scale(invFreq, rs);
  }
  return out;
}

/**
 * Llama 3.1 frequency scaling: long wavelengths (beyond the original context / low_freq_factor)
 * are slowed by `factor`, short ones (below context / high_freq_factor) kept, and the band
 * between interpolated smoothly.
 */
function llama3Scale(invFreq: number, rs: Llama3RopeScaling): number {
  const lowFreqWavelen = rs.originalMaxPositionEmbeddings / rs.lowFreqFactor;
  const highFreqWavelen = rs.originalMaxPositionEmbeddings / rs.highFreqFactor;
  const wavelen = (2 * Math.PI) / invFreq;
  if (wavelen < highFreqWavelen) return invFreq;
  if (wavelen > lowFreqWavelen) return invFreq / rs.factor;
  const smooth =
    (rs.originalMaxPositionEmbeddings / wavelen - rs.lowFreqFactor) /
    (rs.highFreqFactor - rs.lowFreqFactor);
  return (1 - smooth) * (invFreq / rs.factor) + smooth * invFreq;
}

export interface RopeTables {
  /** [length, headDim/2] row-major: cos(p · inv_freq[i]) for positions 0..length-1. */
  cos: Float32Array;
  sin: Float32Array;
  length: number;
}

/** cos/sin tables the graph gathers by position id (angles in f64, rounded once to f32). */
export function ropeTables(config: DecoderConfig, length: number): RopeTables {
  const invFreq = ropeInvFreq(config);
  const half = invFreq.length;
  const cos = new Float32Array(length * half);
  const sin = new Float32Array(length * half);
  for (let p = 0; p < length; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p * invFreq[i];
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin, length };
}
