// The real web-llm environment, for the worker. web-llm is imported lazily: any static import
// pulls a ~6 MB chunk into whatever imports it (environment.md §8).
import type { WebLlmEnvironment, WebLlmPort } from './webllm-engine';
import type { WebLlmRecord } from './models';

export const browserWebLlm: WebLlmEnvironment = {
  async createPort() {
    const webllm = await import('@mlc-ai/web-llm');
    return new webllm.MLCEngine() as unknown as WebLlmPort;
  },
  async records() {
    const webllm = await import('@mlc-ai/web-llm');
    return webllm.prebuiltAppConfig.model_list as WebLlmRecord[];
  },
  async hasShaderF16() {
    const adapter = await navigator.gpu?.requestAdapter();
    return adapter ? adapter.features.has('shader-f16') : null;
  },
};
