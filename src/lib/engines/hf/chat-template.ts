// The model's own chat template (tokenizer_config.json `chat_template`, Jinja) rendered with
// @huggingface/jinja, as transformers' apply_chat_template does, plus the prompt/completion
// rendering the trainer needs: its loss covers only the assistant's tokens (method.md §6
// "Loss on output tokens only").
import { Template } from '@huggingface/jinja';
import { ModelLoadError } from '../../protocol/errors';
import type { ChatMessage } from '../engine';
import type { JsonObject } from './model-files';
import type { HfTokenizer } from './tokenizer';

/**
 * Used when a tokenizer ships no chat template (base models). A Vicuna-v1.1-like plain
 * format, the family of FastChat templates the Humpback reference code trained with
 * (method.md "Stack: FastChat templates"):
 *
 *   {bos}{system}\n\nUSER: {user}\nASSISTANT: {assistant}{eos}\nUSER: ...\nASSISTANT:
 *
 * The generation prompt ends in "ASSISTANT:" without a space, so the completion's leading
 * space is generated (SentencePiece tokenizers fold it into the first word's token).
 */
export const FALLBACK_CHAT_TEMPLATE =
  '{{ bos_token }}' +
  "{% if messages[0]['role'] == 'system' %}{{ messages[0]['content'] + '\\n\\n' }}{% endif %}" +
  '{% for message in messages %}' +
  "{% if message['role'] == 'user' %}{{ 'USER: ' + message['content'] + '\\n' }}" +
  "{% elif message['role'] == 'assistant' %}{{ 'ASSISTANT: ' + message['content'] + eos_token + '\\n' }}" +
  "{% elif message['role'] != 'system' %}{{ raise_exception('Unknown role: ' + message['role']) }}" +
  '{% endif %}{% endfor %}' +
  "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}";

export interface RenderOptions {
  /** Append the assistant header so the model writes the next turn. Default false. */
  addGenerationPrompt?: boolean;
  /** Extra template variables (e.g. enable_thinking for Qwen3). */
  variables?: Record<string, unknown>;
}

/** A rendered training example: the completion's character span inside `text`. */
export interface TrainingText {
  text: string;
  /** Where the prompt ends: text.slice(0, promptEnd) is the generation prompt. */
  promptEnd: number;
  /** The assistant's content: text.slice(completionStart, completionEnd) === completion. */
  completionStart: number;
  completionEnd: number;
  /**
   * End of the loss target: the completion plus the template's end-of-turn marker (EOS,
   * <|im_end|>), without trailing whitespace, so the model learns to stop.
   */
  targetEnd: number;
}

export class ChatTemplate {
  private template: Template;

  constructor(
    readonly source: string,
    private readonly bosToken: string | null = null,
    private readonly eosToken: string | null = null,
    /** True when the tokenizer had no template and FALLBACK_CHAT_TEMPLATE is used. */
    readonly isFallback = false,
  ) {
    try {
      this.template = new Template(source);
    } catch (err) {
      throw new ModelLoadError(
        `tokenizer_config.json: chat_template does not parse: ${(err as Error).message}`,
        { file: 'tokenizer_config.json', field: 'chat_template' },
      );
    }
  }

  /**
   * The template from tokenizer_config.json: a string, or a list of {name, template}
   * (transformers picks "default" unless told otherwise). Falls back to
   * FALLBACK_CHAT_TEMPLATE when there is none.
   */
  static fromTokenizerConfig(config: JsonObject, name = 'default'): ChatTemplate {
    const bos = tokenText(config.bos_token);
    const eos = tokenText(config.eos_token);
    const raw = config.chat_template;
    if (typeof raw === 'string' && raw.trim()) return new ChatTemplate(raw, bos, eos);
    if (Array.isArray(raw)) {
      const named = raw.filter(
        (t): t is { name: string; template: string } =>
          !!t && typeof t.name === 'string' && typeof t.template === 'string',
      );
      const chosen = named.find((t) => t.name === name);
      if (chosen) return new ChatTemplate(chosen.template, bos, eos);
      if (name !== 'default' || named.some((t) => t.name === 'default')) {
        throw new ModelLoadError(
          `tokenizer_config.json has no chat template named "${name}" ` +
            `(has: ${named.map((t) => t.name).join(', ')})`,
          { file: 'tokenizer_config.json', field: 'chat_template' },
        );
      }
      if (named[0]) return new ChatTemplate(named[0].template, bos, eos);
    }
    return new ChatTemplate(FALLBACK_CHAT_TEMPLATE, bos, eos, true);
  }

  static forTokenizer(tokenizer: HfTokenizer, name?: string): ChatTemplate {
    return ChatTemplate.fromTokenizerConfig(tokenizer.tokenizerConfig, name);
  }

  render(messages: ChatMessage[], opts: RenderOptions = {}): string {
    if (!messages.length) throw new Error('A chat needs at least one message');
    try {
      return this.template.render({
        ...opts.variables,
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        add_generation_prompt: opts.addGenerationPrompt ?? false,
        bos_token: this.bosToken ?? '',
        eos_token: this.eosToken ?? '',
        // raise_exception is a built-in of @huggingface/jinja (throws Error(message)).
      });
    } catch (err) {
      throw new ModelLoadError(`The chat template failed: ${(err as Error).message}`, {
        field: 'chat_template',
      });
    }
  }

  /**
   * The prompt with an assistant turn that has already begun with `prefix`, as transformers'
   * `continue_final_message` renders it: the turn rendered with `prefix` as its content and
   * cut right after it, so the model continues the text exactly where a finished turn's
   * content would go (Llama-2 puts a space after [/INST], ChatML none); the same layout the
   * trainer's loss sees (renderTraining). Templates that render the generation prompt
   * differently from a finished turn, or change the content (strip it), get the prefix right
   * after the generation prompt instead.
   */
  renderContinuation(prompt: ChatMessage[], prefix: string, opts: RenderOptions = {}): string {
    if (!prefix) return this.render(prompt, { ...opts, addGenerationPrompt: true });
    try {
      const t = this.renderTraining(prompt, prefix, opts);
      if (t.text.slice(t.completionStart, t.completionEnd) === prefix)
        return t.text.slice(0, t.completionEnd);
    } catch {
      // Falls through to the generation prompt + prefix.
    }
    return this.render(prompt, { ...opts, addGenerationPrompt: true }) + prefix;
  }

  /**
   * Renders `prompt` + an assistant turn `completion` and locates the completion. The
   * rendered prompt with the generation prompt must be a prefix of the full text (true
   * for Llama-2, ChatML and the fallback); otherwise masking by prefix would be wrong, so
   * this throws.
   */
  renderTraining(
    prompt: ChatMessage[],
    completion: string,
    opts: RenderOptions = {},
  ): TrainingText {
    const head = this.render(prompt, { ...opts, addGenerationPrompt: true });
    const text = this.render([...prompt, { role: 'assistant', content: completion }], {
      ...opts,
      addGenerationPrompt: false,
    });
    if (!text.startsWith(head)) {
      throw new ModelLoadError(
        'The chat template renders the generation prompt differently from a finished ' +
          'assistant turn, so output tokens cannot be separated from the prompt',
        { field: 'chat_template' },
      );
    }
    const completionStart = completion ? text.indexOf(completion, head.length) : head.length;
    if (completionStart < 0) {
      throw new ModelLoadError('The chat template changed the assistant text (e.g. stripped it)', {
        field: 'chat_template',
      });
    }
    const completionEnd = completionStart + completion.length;
    const trailing = text.slice(completionEnd).match(/\s*$/)?.[0].length ?? 0;
    return {
      text,
      promptEnd: head.length,
      completionStart,
      completionEnd,
      targetEnd: Math.max(completionEnd, text.length - trailing),
    };
  }
}

function tokenText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as JsonObject).content === 'string') {
    return (value as JsonObject).content as string;
  }
  return null;
}

/**
 * Chat → token ids for generation. Encodes without added special tokens because templates
 * write BOS themselves (transformers does the same); adding it again would double it.
 */
export function encodeChat(
  tokenizer: HfTokenizer,
  template: ChatTemplate,
  messages: ChatMessage[],
  opts: RenderOptions = { addGenerationPrompt: true },
): Int32Array {
  return tokenizer.encode(template.render(messages, opts), { addSpecialTokens: false });
}

/**
 * Tokenized training example with the loss range: ids[lossStart..lossEnd) are the
 * assistant's tokens plus its end-of-turn marker; the trainer masks all others.
 */
export function tokenizeTraining(
  tokenizer: HfTokenizer,
  template: ChatTemplate,
  prompt: ChatMessage[],
  completion: string,
): { ids: Int32Array; lossStart: number; lossEnd: number; text: TrainingText } {
  const text = template.renderTraining(prompt, completion);
  const span = tokenizer.tokenSpan(text.text, text.completionStart, text.targetEnd);
  return { ids: span.ids, lossStart: span.start, lossEnd: span.end, text };
}
