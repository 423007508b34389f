// The state layer's engine factory: fake engines in demo/test mode, workers otherwise.
import { describe, expect, it } from 'vitest';
import { FakeEngine } from '../../../src/lib/engines/fake-engine';
import { WorkerEngine } from '../../../src/lib/engines/worker-engine';
import { createEngine, fakeEnginesWanted } from '../../../src/lib/state/engines';

describe('createEngine', () => {
  it('wants fakes for ?engine=fake or Vite test mode only', () => {
    expect(fakeEnginesWanted('?engine=fake', 'production')).toBe(true);
    expect(fakeEnginesWanted('?x=1&engine=fake', 'development')).toBe(true);
    expect(fakeEnginesWanted('?engine=onnx', 'production')).toBe(false);
    expect(fakeEnginesWanted('', 'test')).toBe(true);
    expect(fakeEnginesWanted('', 'production')).toBe(false);
  });

  it('gives the in-thread FakeEngine under vitest, which answers like the real engines', async () => {
    const engine = createEngine('onnx');
    expect(engine).toBeInstanceOf(FakeEngine);
    await engine.load({ id: 'demo', source: 'fake' });
    const r = await engine.generate({ prompt: 'one two three', maxTokens: 2, temperature: 0 });
    expect(r.completionTokens).toBe(2);
  });

  it('wraps real engines and the worker fake in WorkerEngine (spawned on first call)', () => {
    for (const kind of ['onnx', 'web-llm'] as const) {
      const engine = createEngine(kind, { fake: false });
      expect(engine).toBeInstanceOf(WorkerEngine);
      expect(engine.kind).toBe(kind);
    }
    const fake = createEngine('onnx', { fakeInWorker: true });
    expect(fake).toBeInstanceOf(WorkerEngine);
    expect(fake.kind).toBe('fake');
  });

  it("gives the onnx worker engine the caller's adapter mode for its loads", () => {
    const chosen = createEngine('onnx', { fake: false, adapterMode: 'unmerged' });
    expect((chosen as WorkerEngine).loadDefaults).toEqual({ adapterMode: 'unmerged' });
    const plain = createEngine('onnx', { fake: false });
    expect((plain as WorkerEngine).loadDefaults).toEqual({});
  });
});
