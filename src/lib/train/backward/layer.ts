// One pre-norm decoder layer (h + attn(norm(h)), then h + mlp(norm(h))) in forward and reverse
// mode, composed from the block rules. Residual adds pass the gradient through unchanged.
import type { GraphBuilder, Value } from '../../engines/onnx/graph';
import type { LoraModule } from '../../engines/onnx/llama-graph';
import {
  attentionBackward,
  attentionForward,
  type AttentionSaved,
  type AttentionShape,
  type RotaryPair,
} from './attention';
import { linearBackward, linearForward, type LinearParams, type LinearSaved } from './linear';
import { swiGluBackward, swiGluForward, type SwiGluSaved } from './mlp';
import { rmsNormBackward, rmsNormForward, type RmsNormSaved } from './norm';

export interface LayerParams {
  inputNorm: Value;
  postAttentionNorm: Value;
  proj: Record<LoraModule, LinearParams>;
}

export interface LayerContext {
  shape: AttentionShape;
  rmsNormEps: number;
  rotary: RotaryPair;
  /** [B, 1, 1, T, T] additive causal + padding mask. */
  bias: Value;
}

export interface LayerSaved {
  norm1: RmsNormSaved;
  norm2: RmsNormSaved;
  attention: AttentionSaved;
  swiGlu: SwiGluSaved;
  linears: Record<LoraModule, LinearSaved>;
}

export type LoraGrads = Partial<Record<LoraModule, { dA: Value; dB: Value }>>;

export function decoderLayerForward(
  g: GraphBuilder,
  ctx: LayerContext,
  hidden: Value,
  p: LayerParams,
): { hidden: Value; saved: LayerSaved } {
  const norm1 = rmsNormForward(g, hidden, p.inputNorm, ctx.rmsNormEps);
  const q = linearForward(g, norm1.y, p.proj.q_proj);
  const k = linearForward(g, norm1.y, p.proj.k_proj);
  const v = linearForward(g, norm1.y, p.proj.v_proj);
  const att = attentionForward(
    g,
    ctx.shape,
    { q2d: q.y, k2d: k.y, v2d: v.y },
    ctx.rotary,
    ctx.bias,
  );
  const o = linearForward(g, att.context2d, p.proj.o_proj);
  const afterAttention = g.add(hidden, o.y);
  const norm2 = rmsNormForward(g, afterAttention, p.postAttentionNorm, ctx.rmsNormEps);
  const gate = linearForward(g, norm2.y, p.proj.gate_proj);
  const up = linearForward(g, norm2.y, p.proj.up_proj);
  const act = swiGluForward(g, gate.y, up.y);
  const down = linearForward(g, act.y, p.proj.down_proj);
  return {
    hidden: g.add(afterAttention, down.y),
    saved: {
      norm1: norm1.saved,
      norm2: norm2.saved,
      attention: att.saved,
      swiGlu: act.saved,
      linears: {
        q_proj: q.saved,
        k_proj: k.saved,
        v_proj: v.saved,
        o_proj: o.saved,
        gate_proj: gate.saved,
        up_proj: up.saved,
        down_proj: down.saved,
      },
    },
  };
}

/**
 * Reverse mode of decoderLayerForward. `needInputGrad` false (layer 0: its input is the frozen
 * embedding) skips the input-norm backward and the q/k/v input gradients.
 */
export function decoderLayerBackward(
  g: GraphBuilder,
  saved: LayerSaved,
  dOut: Value,
  needInputGrad: boolean,
): { dHidden?: Value; lora: LoraGrads } {
  const lora: LoraGrads = {};
  const collect = (m: LoraModule, r: { dA?: Value; dB?: Value }): void => {
    if (r.dA && r.dB) lora[m] = { dA: r.dA, dB: r.dB };
  };
  const back = (m: LoraModule, dy: Value, needDx = true): Value | undefined => {
    const r = linearBackward(g, saved.linears[m], dy, needDx);
    collect(m, r);
    return r.dx;
  };
  // MLP branch: out = h1 + down(swiglu(gate(n2), up(n2))), n2 = norm2(h1).
  const dAct = back('down_proj', dOut) as Value;
  const { dGate, dUp } = swiGluBackward(g, saved.swiGlu, dAct);
  const dNormed2 = g.add(back('gate_proj', dGate) as Value, back('up_proj', dUp) as Value);
  const dAfterAttention = g.add(dOut, rmsNormBackward(g, saved.norm2, dNormed2));
  // Attention branch: h1 = h0 + o(attn(q(n1), k(n1), v(n1))), n1 = norm1(h0).
  const dContext = back('o_proj', dAfterAttention) as Value;
  const { dq2d, dk2d, dv2d } = attentionBackward(g, saved.attention, dContext);
  const dq = back('q_proj', dq2d, needInputGrad);
  const dk = back('k_proj', dk2d, needInputGrad);
  const dv = back('v_proj', dv2d, needInputGrad);
  if (!needInputGrad || !dq || !dk || !dv) return { lora };
  const dNormed1 = g.add(g.add(dq, dk), dv);
  return { dHidden: g.add(dAfterAttention, rmsNormBackward(g, saved.norm1, dNormed1)), lora };
}
