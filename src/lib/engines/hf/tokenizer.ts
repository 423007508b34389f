// Tokenizer for Hugging Face checkpoints (Llama SentencePiece-BPE with byte fallback, Qwen2
// byte-level BPE), on @huggingface/tokenizers (pure JS, same tokenizer.json semantics as the
// Rust crate). Adds what the engine and trainer need on top: Int32Array ids, the special
// ids from tokenizer_config.json + generation_config.json, a streaming detokenizer, and
// char-span → token-span mapping for loss masking (method.md §6 "Loss on output tokens only").
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelLoadError } from '../../protocol/errors';
import type { JsonObject, ModelFiles } from './model-files';

export interface EncodeOptions {
  /** Add the post-processor's special tokens (Llama's BOS). Default true. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens (BOS, EOS, <|im_end|>, ...). Default false. */
  skipSpecialTokens?: boolean;
}

/** tokenizer_config.json writes special tokens as a string or an AddedToken object. */
function tokenString(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as JsonObject).content === 'string') {
    return (value as JsonObject).content as string;
  }
  return null;
}

function idList(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.filter((v): v is number => typeof v === 'number');
  return [];
}

export class HfTokenizer {
  readonly bosToken: string | null;
  readonly eosToken: string | null;
  readonly bosId: number | null;
  /** Every id that ends generation: generation_config's eos_token_id (often a list) + eos_token. */
  readonly eosIds: number[];
  readonly padId: number | null;
  readonly vocabSize: number;

  private constructor(
    private readonly inner: Tokenizer,
    readonly tokenizerConfig: JsonObject,
    generationConfig: JsonObject | undefined,
    modelConfig: JsonObject | undefined,
  ) {
    const gen = generationConfig ?? {};
    const cfg = modelConfig ?? {};
    this.bosToken = tokenString(tokenizerConfig.bos_token);
    this.eosToken = tokenString(tokenizerConfig.eos_token);
    this.bosId =
      (this.bosToken !== null ? this.tokenToId(this.bosToken) : undefined) ??
      idList(gen.bos_token_id)[0] ??
      null;
    const eos = new Set<number>([...idList(gen.eos_token_id), ...idList(cfg.eos_token_id)]);
    const eosFromConfig = this.eosToken !== null ? this.tokenToId(this.eosToken) : undefined;
    if (eosFromConfig !== undefined) eos.add(eosFromConfig);
    this.eosIds = [...eos];
    const padToken = tokenString(tokenizerConfig.pad_token);
    this.padId =
      (padToken !== null ? this.tokenToId(padToken) : undefined) ??
      idList(gen.pad_token_id)[0] ??
      null;
    this.vocabSize = inner.get_vocab(true).size;
  }

  static fromJson(
    tokenizerJson: JsonObject,
    tokenizerConfig: JsonObject,
    generationConfig?: JsonObject,
    modelConfig?: JsonObject,
    modelId = 'model',
  ): HfTokenizer {
    let inner: Tokenizer;
    try {
      inner = new Tokenizer(tokenizerJson, tokenizerConfig);
    } catch (err) {
      throw new ModelLoadError(
        `tokenizer.json of ${modelId} could not be loaded: ${(err as Error).message}`,
        { modelId, file: 'tokenizer.json' },
      );
    }
    return new HfTokenizer(inner, tokenizerConfig, generationConfig, modelConfig);
  }

  static fromModelFiles(files: ModelFiles): HfTokenizer {
    return HfTokenizer.fromJson(
      files.tokenizerJson,
      files.tokenizerConfig,
      files.generationConfig,
      files.config,
      files.modelId,
    );
  }

  encode(text: string, opts: EncodeOptions = {}): Int32Array {
    const { ids } = this.inner.encode(text, {
      add_special_tokens: opts.addSpecialTokens ?? true,
    });
    return Int32Array.from(ids);
  }

  decode(ids: ArrayLike<number>, opts: DecodeOptions = {}): string {
    if (ids.length === 0) return ''; // the library rejects an empty list
    return this.inner.decode(Array.from(ids), {
      skip_special_tokens: opts.skipSpecialTokens ?? false,
    });
  }

  tokenToId(token: string): number | undefined {
    return this.inner.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.inner.id_to_token(id);
  }

  isEos(id: number): boolean {
    return this.eosIds.includes(id);
  }

  createStreamDecoder(opts: DecodeOptions = {}): StreamDecoder {
    return new StreamDecoder(this, opts);
  }

  /**
   * Tokenizes `text` (no added special tokens: rendered chat templates already hold them)
   * and maps the character span [charStart, charEnd) to token indices [start, end).
   * BPE merges can cross a boundary, so instead of cutting the text the head and tail are
   * encoded on their own: tokens shared with the full encoding's start (resp. end) lie
   * wholly outside the span; a token that straddles a boundary belongs to the span, so
   * the loss covers every output character.
   */
  tokenSpan(
    text: string,
    charStart: number,
    charEnd: number,
  ): { ids: Int32Array; start: number; end: number } {
    const ids = this.encode(text, { addSpecialTokens: false });
    const opts = { addSpecialTokens: false };
    const head = charStart > 0 ? this.encode(text.slice(0, charStart), opts) : new Int32Array();
    const tail = charEnd < text.length ? this.encode(text.slice(charEnd), opts) : new Int32Array();
    let start = 0;
    while (start < head.length && start < ids.length && head[start] === ids[start]) start++;
    let shared = 0;
    while (
      shared < tail.length &&
      shared < ids.length - start &&
      tail[tail.length - 1 - shared] === ids[ids.length - 1 - shared]
    ) {
      shared++;
    }
    return { ids, start, end: Math.max(start, ids.length - shared) };
  }
}

/**
 * Incremental detokenizer for streaming generation. Decoding one token at a time is wrong
 * for SentencePiece ("▁" spaces and the leading-space strip depend on context) and for
 * byte-level / byte-fallback tokens (one emoji spans several tokens). So it decodes a
 * window of the growing sequence that starts one emitted step back, and emits only the new
 * suffix, and only once it does not end in an incomplete UTF-8 character (U+FFFD).
 */
export class StreamDecoder {
  private ids: number[] = [];
  /** Start of the decode window (tokens before it are fully emitted). */
  private prefixOffset = 0;
  /** Tokens [prefixOffset, readOffset) were emitted in the last step. */
  private readOffset = 0;

  constructor(
    private readonly tokenizer: HfTokenizer,
    private readonly opts: DecodeOptions = {},
  ) {}

  /** Adds one token; returns the text that is now complete (may be ""). */
  push(id: number): string {
    this.ids.push(id);
    const prefixText = this.decodeRange(this.prefixOffset, this.readOffset);
    const fullText = this.decodeRange(this.prefixOffset, this.ids.length);
    if (fullText.length > prefixText.length && !fullText.endsWith('\uFFFD')) {
      this.prefixOffset = this.readOffset;
      this.readOffset = this.ids.length;
      return fullText.slice(prefixText.length);
    }
    return '';
  }

  /** Text still held back (an incomplete character at the end), e.g. at end of generation. */
  flush(): string {
    const prefixText = this.decodeRange(this.prefixOffset, this.readOffset);
    const fullText = this.decodeRange(this.prefixOffset, this.ids.length);
    if (fullText.length <= prefixText.length) return '';
    this.prefixOffset = this.readOffset;
    this.readOffset = this.ids.length;
    return fullText.slice(prefixText.length);
  }

  get tokenCount(): number {
    return this.ids.length;
  }

  private decodeRange(from: number, to: number): string {
    return from >= to ? '' : this.tokenizer.decode(this.ids.slice(from, to), this.opts);
  }
}
