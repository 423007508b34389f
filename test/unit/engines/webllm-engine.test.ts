import { describe, expect, it } from 'vitest';
import { WebLlmEngine, type WebLlmPort } from '../../../src/lib/engines/webllm/webllm-engine';
import {
  needsF16,
  pickRecord,
  quantizationOf,
  usableRecords,
  webLlmCatalogue,
  type WebLlmRecord,
} from '../../../src/lib/engines/webllm/models';
import {
  CancelledError,
  InputError,
  ModelLoadError,
  WebGpuUnavailableError,
} from '../../../src/lib/protocol/errors';

const records = [
  { model_id: 'Qwen2.5-0.5B-Instruct-q4f16_1-MLC', vram_required_MB: 945 },
  { model_id: 'Qwen2.5-0.5B-Instruct-q4f32_1-MLC', vram_required_MB: 1060 },
  {
    model_id: 'SmolLM2-135M-Instruct-q0f16-MLC',
    vram_required_MB: 360,
    required_features: ['shader-f16'],
  },
];

/** Records every request; streams the reply word by word like web-llm does. */
class FakePort implements WebLlmPort {
  requests: Record<string, unknown>[] = [];
  reloaded: string[] = [];
  interrupted = 0;
  async reload(id: string) {
    this.reloaded.push(id);
  }
  setInitProgressCallback(cb: (r: { progress: number; text: string }) => void) {
    cb({ progress: 1, text: 'Finish loading on WebGPU - swiftshader' });
  }
  async chatCompletion(req: Record<string, unknown>) {
    this.requests.push(req);
    if (req.logprobs) {
      return {
        choices: [
          {
            logprobs: {
              content: [
                {
                  top_logprobs: [
                    { token: '5', logprob: -0.2 },
                    { token: '4', logprob: -1.8 },
                  ],
                },
              ],
            },
          },
        ],
      };
    }
    return this.stream(['Sure', ', here', ' it is.']);
  }
  async completion(req: Record<string, unknown>) {
    this.requests.push(req);
    return this.stream(['raw', ' text']);
  }
  interruptGenerate() {
    this.interrupted++;
  }
  async unload() {}
  private async *stream(pieces: string[]) {
    for (const p of pieces) {
      if (this.interrupted) {
        yield { choices: [{ delta: { content: '' }, finish_reason: 'abort' }] };
        return;
      }
      await new Promise((r) => setTimeout(r, 2));
      yield { choices: [{ delta: { content: p }, finish_reason: null }] };
    }
    yield { choices: [], usage: { prompt_tokens: 7, completion_tokens: pieces.length } };
  }
}

function engine(port: FakePort, f16: boolean | null = false) {
  return new WebLlmEngine({
    createPort: async () => port,
    records: async () => records,
    hasShaderF16: async () => f16,
  });
}

describe('web-llm model choice', () => {
  it('switches q4f16 to the q4f32 twin without shader-f16', () => {
    expect(pickRecord(records, 'Qwen2.5-0.5B-Instruct-q4f16_1-MLC', false).model_id).toBe(
      'Qwen2.5-0.5B-Instruct-q4f32_1-MLC',
    );
    expect(pickRecord(records, 'Qwen2.5-0.5B-Instruct-q4f16_1-MLC', true).model_id).toBe(
      'Qwen2.5-0.5B-Instruct-q4f16_1-MLC',
    );
    expect(() => pickRecord(records, 'SmolLM2-135M-Instruct-q0f16-MLC', false)).toThrow(
      /shader-f16/,
    );
    expect(usableRecords(records, false).map((r) => r.model_id)).toEqual([
      'Qwen2.5-0.5B-Instruct-q4f32_1-MLC',
    ]);
  });
});

describe('web-llm catalogue for the model picker', () => {
  it("filters web-llm's real prebuilt list by shader-f16 and GPU memory, with a reason for each hidden record", async () => {
    const { prebuiltAppConfig } = await import('@mlc-ai/web-llm');
    const all = prebuiltAppConfig.model_list as WebLlmRecord[];
    expect(all.length).toBeGreaterThan(50);
    const { usable, hidden } = webLlmCatalogue(all, { hasShaderF16: false, vramBudgetMB: 2000 });
    expect(usable.length + hidden.length).toBe(all.length);
    expect(usable.length).toBeGreaterThan(3);
    for (const r of usable) {
      expect(needsF16(r)).toBe(false);
      expect(r.vram_required_MB ?? 0).toBeLessThanOrEqual(2000);
      expect(r.model_type ?? 0).toBe(0);
      expect(quantizationOf(r)).toMatch(/^(fp32|q4f32)$/);
    }
    const sizes = usable.map((r) => r.vram_required_MB ?? Infinity);
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    const reasons = new Map(hidden.map((h) => [h.record.model_id, h.reason]));
    expect(reasons.get('Qwen2.5-0.5B-Instruct-q4f16_1-MLC')).toMatch(
      /shader-f16.*listed as Qwen2\.5-0\.5B-Instruct-q4f32_1-MLC/,
    );
    expect([...reasons.values()].some((r) => /embedding model/.test(r))).toBe(true);
    expect([...reasons.values()].some((r) => /needs [\d,]+ MB of GPU memory/.test(r))).toBe(true);
    // With shader-f16 and no budget, only non-LLM records are hidden.
    const f16 = webLlmCatalogue(all, { hasShaderF16: true });
    expect(f16.hidden.every((h) => (h.record.model_type ?? 0) !== 0)).toBe(true);
    // Without WebGPU nothing is usable, and the reason says so.
    const none = webLlmCatalogue(all, { hasShaderF16: null });
    expect(none.usable).toEqual([]);
    expect(none.hidden[0].reason).toMatch(/needs WebGPU, which this browser does not offer/);
  });
});

describe('WebLlmEngine', () => {
  it('loads the device-appropriate record and reports progress', async () => {
    const port = new FakePort();
    const progress: string[] = [];
    const info = await engine(port).load(
      { id: 'Qwen2.5-0.5B-Instruct-q4f16_1-MLC', source: 'web-llm' },
      { onProgress: (p) => progress.push(`${p.kind}:${p.phase} ${p.done}/${p.total} ${p.unit}`) },
    );
    expect(port.reloaded).toEqual(['Qwen2.5-0.5B-Instruct-q4f32_1-MLC']);
    expect(info).toMatchObject({ engine: 'web-llm', dtype: 'q4f32', device: 'webgpu' });
    // web-llm's 0..1 fraction is reported as a percentage.
    expect(progress).toEqual(['load:init 100/100 percent']);
  });
  it('fails clearly without WebGPU or for unknown models', async () => {
    await expect(
      engine(new FakePort(), null).load({ id: 'x', source: 'web-llm' }),
    ).rejects.toBeInstanceOf(WebGpuUnavailableError);
    await expect(
      engine(new FakePort()).load({ id: 'nope', source: 'web-llm' }),
    ).rejects.toBeInstanceOf(ModelLoadError);
  });
  it('streams chat generations with pinned sampling fields', async () => {
    const port = new FakePort();
    const e = engine(port);
    await e.load({ id: 'Qwen2.5-0.5B-Instruct-q4f32_1-MLC', source: 'web-llm' });
    const pieces: string[] = [];
    const r = await e.generate(
      {
        prompt: [{ role: 'user', content: 'hi' }],
        maxTokens: 20,
        temperature: 0.7,
        topP: 0.9,
        seed: 5,
      },
      { onToken: (t) => pieces.push(t) },
    );
    expect(r).toEqual({
      text: 'Sure, here it is.',
      finishReason: 'stop',
      promptTokens: 7,
      completionTokens: 3,
    });
    expect(pieces).toEqual(['Sure', ', here', ' it is.']);
    expect(port.requests[0]).toMatchObject({
      temperature: 0.7,
      top_p: 0.9,
      seed: 5,
      max_tokens: 20,
      repetition_penalty: 1,
      stream: true,
    });
    const raw = await e.generate({ prompt: 'raw prompt', maxTokens: 5, temperature: 0 });
    expect(raw.text).toBe('raw text');
  });
  it('interrupts on abort', async () => {
    const port = new FakePort();
    const e = engine(port);
    await e.load({ id: 'Qwen2.5-0.5B-Instruct-q4f32_1-MLC', source: 'web-llm' });
    const ac = new AbortController();
    const p = e.generate(
      { prompt: [{ role: 'user', content: 'x' }], maxTokens: 9, temperature: 0 },
      { signal: ac.signal },
    );
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(port.interrupted).toBe(1);
  });
  it('scores digits through top_logprobs under a grammar', async () => {
    const port = new FakePort();
    const e = engine(port);
    await e.load({ id: 'Qwen2.5-0.5B-Instruct-q4f32_1-MLC', source: 'web-llm' });
    const chat = [{ role: 'user' as const, content: 'rate this' }];
    const r = await e.score({ prompts: [chat], continuations: ['1', '2', '3', '4', '5', ''] });
    // Missing from the top-5: -Infinity; the empty continuation: log 1 = 0, as on every engine.
    expect(r.logprobs).toEqual([[-Infinity, -Infinity, -Infinity, -1.8, -0.2, 0]]);
    expect(port.requests[0]).toMatchObject({
      top_logprobs: 5,
      max_tokens: 1,
      response_format: { type: 'grammar', grammar: 'root ::= "1" | "2" | "3" | "4" | "5"' },
    });
    await expect(
      e.score({ prompts: [chat], continuations: ['1', '2', '3', '4', '5', '6'] }),
    ).rejects.toThrow(/at most 5/);
    // A string prompt is scored as one user message (only the chat API takes a grammar).
    await e.score({ prompts: ['rate this'], continuations: ['1', '2'] });
    expect(port.requests[1]).toMatchObject({ messages: chat });
  });
  it('refuses multi-token continuations when the top token only begins one', async () => {
    const port = new FakePort();
    const e = engine(port);
    await e.load({ id: 'Qwen2.5-0.5B-Instruct-q4f32_1-MLC', source: 'web-llm' });
    const chat = [{ role: 'user' as const, content: 'rate this' }];
    // The port's top tokens are "5" and "4": "45" starts with "4" but is not one token.
    const r = e.score({ prompts: [chat], continuations: ['45', '5'] });
    await expect(r).rejects.toThrow(/"45" takes several tokens/);
    await expect(r).rejects.toBeInstanceOf(InputError);
  });
  it('refuses what web-llm cannot do instead of ignoring it: top-k and an assistant prefix', async () => {
    const port = new FakePort();
    const e = engine(port);
    await e.load({ id: 'Qwen2.5-0.5B-Instruct-q4f32_1-MLC', source: 'web-llm' });
    const chat = [{ role: 'user' as const, content: 'rate this' }];
    const gen = { prompt: chat, maxTokens: 4, temperature: 0.7 };
    await expect(e.generate({ ...gen, topK: 40 })).rejects.toMatchObject({
      name: 'InputError',
      field: 'topK',
    });
    await expect(e.generate({ ...gen, assistantPrefix: 'Score:' })).rejects.toMatchObject({
      name: 'InputError',
      field: 'assistantPrefix',
    });
    await expect(
      e.score({ prompts: [chat], continuations: ['1'], assistantPrefix: 'Score:' }),
    ).rejects.toThrow(/assistantPrefix/);
    expect(port.requests).toEqual([]);
    // topK 0 (off) and an empty prefix ask for nothing web-llm lacks.
    await e.generate({ ...gen, topK: 0, assistantPrefix: '' });
    expect(port.requests).toHaveLength(1);
  });
  it("reports the record's precision: q0 is plain fp16/fp32, q3/q4 are quantized", async () => {
    const ids: [string, string][] = [
      ['SmolLM2-135M-Instruct-q0f16-MLC', 'fp16'],
      ['Qwen2-0.5B-Instruct-q0f32-MLC', 'fp32'],
      ['Llama-3-8B-Instruct-q3f16_1-MLC', 'q3f16'],
      ['Qwen2.5-0.5B-Instruct-q4f16_1-MLC', 'q4f16'],
      ['Llama-3.2-1B-Instruct-q4f32_1-MLC-1k', 'q4f32'],
    ];
    for (const [model_id, dtype] of ids) expect(quantizationOf({ model_id })).toBe(dtype);
    expect(() => quantizationOf({ model_id: 'custom-model' })).toThrow(/No quantization code/);
    const info = await engine(new FakePort(), true).load({
      id: 'SmolLM2-135M-Instruct-q0f16-MLC',
      source: 'web-llm',
    });
    expect(info.dtype).toBe('fp16');
  });
  it('treats any adapter id as unknown, like the other engines do for unloaded ones', async () => {
    const port = new FakePort();
    const e = engine(port);
    await e.load({ id: 'Qwen2.5-0.5B-Instruct-q4f32_1-MLC', source: 'web-llm' });
    const gen = { prompt: 'hi', maxTokens: 4, temperature: 0, adapterId: 'M0' };
    await expect(e.generate(gen)).rejects.toThrow(InputError);
    await expect(
      e.score({ prompts: ['x'], continuations: ['1'], adapterId: 'M0' }),
    ).rejects.toThrow('No adapter "M0" is loaded');
    expect(port.requests).toEqual([]);
  });
});
