// In-memory checkpoints as the folder a user would pick: tests and benchmarks load them
// through the Engine port (ModelSpec source 'local'), the same path as the app.
import type { EngineCallOptions, ModelInfo } from '../../src/lib/engines/engine';
import type { ModelFiles } from '../../src/lib/engines/hf/model-files';
import type { OrtEngine } from '../../src/lib/engines/onnx/ort-engine';
import type { Placement } from '../../src/lib/engines/onnx/ort-model';

/** The files of `files` as File objects named like a Hugging Face checkpoint folder. */
export function asFolder(files: ModelFiles): File[] {
  const json = (x: unknown) => JSON.stringify(x);
  return [
    new File([json(files.config)], 'config.json'),
    new File([json(files.tokenizerJson)], 'tokenizer.json'),
    new File([json(files.tokenizerConfig)], 'tokenizer_config.json'),
    ...files.weights.map((w) => new File([w.blob], w.file)),
  ];
}

/** Loads in-memory files into an engine as a picked local folder. */
export function loadFolder(
  engine: OrtEngine,
  files: ModelFiles,
  placement: 'webgpu' | 'wasm' | Placement = {},
  opts?: EngineCallOptions,
): Promise<ModelInfo> {
  const where = typeof placement === 'string' ? { device: placement } : placement;
  return engine.load(
    { id: files.modelId, source: 'local', files: asFolder(files), ...where },
    opts,
  );
}
