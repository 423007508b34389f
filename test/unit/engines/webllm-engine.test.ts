import { describe, expect, it } from 'vitest';
import { WebLlmEngine, type WebLlmPort } from '../../../src/lib/engines/webllm/webllm-engine';
import { pickRecord, usableRecords } from '../../../src/lib/engines/webllm/models';
import {
  CancelledError,
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
    const r = await e.score({ prompts: ['rate this'], continuations: ['1', '2', '3', '4', '5'] });
    expect(r.logprobs).toEqual([[-Infinity, -Infinity, -Infinity, -1.8, -0.2]]);
    expect(port.requests[0]).toMatchObject({
      top_logprobs: 5,
      max_tokens: 1,
      response_format: { type: 'grammar', grammar: 'root ::= "1" | "2" | "3" | "4" | "5"' },
    });
    await expect(
      e.score({ prompts: ['x'], continuations: ['1', '2', '3', '4', '5', '6'] }),
    ).rejects.toThrow(/at most 5/);
  });
});
