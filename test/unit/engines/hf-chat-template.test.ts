import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../src/lib/engines/engine';
import {
  ChatTemplate,
  FALLBACK_CHAT_TEMPLATE,
  encodeChat,
  tokenizeTraining,
} from '../../../src/lib/engines/hf/chat-template';
import { ModelLoadError } from '../../../src/lib/protocol/errors';
import {
  CHATML_TEMPLATE,
  LLAMA2_TEMPLATE,
  llamaFiles,
  llamaTokenizer,
  qwenFiles,
  qwenTokenizer,
} from './hf-fixtures';

const chat: ChatMessage[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Hi there' },
];

const llamaTemplate = () =>
  ChatTemplate.fromTokenizerConfig({
    ...llamaFiles().tokenizerConfig,
    chat_template: LLAMA2_TEMPLATE,
  });
const chatmlTemplate = () =>
  ChatTemplate.fromTokenizerConfig({
    ...qwenFiles().tokenizerConfig,
    chat_template: CHATML_TEMPLATE,
  });

describe('ChatTemplate.render', () => {
  it('renders a Llama-2 [INST] template with system prompt and BOS', () => {
    expect(llamaTemplate().render(chat, { addGenerationPrompt: true })).toBe(
      '<s>[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nHi there [/INST]',
    );
  });

  it('renders a ChatML template with the generation prompt', () => {
    const expected =
      '<|im_start|>system\nYou are terse.<|im_end|>\n' +
      '<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n';
    expect(chatmlTemplate().render(chat, { addGenerationPrompt: true })).toBe(expected);
    expect(chatmlTemplate().render(chat)).toBe(
      expected.slice(0, -'<|im_start|>assistant\n'.length),
    );
  });

  it("renders the real Qwen3 template shipped in the package's tokenizer_config.json", () => {
    const template = ChatTemplate.fromTokenizerConfig(qwenFiles().tokenizerConfig);
    expect(template.isFallback).toBe(false);
    const prompt =
      '<|im_start|>system\nYou are terse.<|im_end|>\n' +
      '<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n';
    expect(template.render(chat, { addGenerationPrompt: true })).toBe(prompt);
    expect(
      template.render(chat, { addGenerationPrompt: true, variables: { enable_thinking: false } }),
    ).toBe(prompt + '<think>\n\n</think>\n\n');
  });

  it('turns raise_exception into a ModelLoadError with the template message', () => {
    const bad: ChatMessage[] = [
      { role: 'user', content: 'a' },
      { role: 'user', content: 'b' },
    ];
    expect(() => llamaTemplate().render(bad)).toThrow(ModelLoadError);
    expect(() => llamaTemplate().render(bad)).toThrow(/must alternate/);
  });

  it('picks a named template from a list and rejects an unknown name', () => {
    const config = {
      eos_token: '<|im_end|>',
      chat_template: [
        { name: 'tool_use', template: 'TOOLS' },
        { name: 'default', template: CHATML_TEMPLATE },
      ],
    };
    expect(ChatTemplate.fromTokenizerConfig(config).source).toBe(CHATML_TEMPLATE);
    expect(ChatTemplate.fromTokenizerConfig(config, 'tool_use').render(chat)).toBe('TOOLS');
    expect(() => ChatTemplate.fromTokenizerConfig(config, 'rag')).toThrow(
      /no chat template named "rag"/,
    );
  });

  it('falls back to the documented plain template when the tokenizer has none', () => {
    const template = ChatTemplate.fromTokenizerConfig(llamaFiles().tokenizerConfig);
    expect(template.isFallback).toBe(true);
    expect(template.source).toBe(FALLBACK_CHAT_TEMPLATE);
    expect(template.render(chat, { addGenerationPrompt: true })).toBe(
      '<s>You are terse.\n\nUSER: Hi there\nASSISTANT:',
    );
    expect(template.render([...chat, { role: 'assistant', content: 'Hello.' }])).toBe(
      '<s>You are terse.\n\nUSER: Hi there\nASSISTANT: Hello.</s>\n',
    );
  });

  it('encodes a chat without doubling BOS', () => {
    const tok = llamaTokenizer();
    const ids = encodeChat(tok, llamaTemplate(), chat);
    expect([...ids].filter((id) => id === tok.bosId)).toHaveLength(1);
    expect(ids[0]).toBe(tok.bosId);
  });
});

describe('training text (loss on output tokens only)', () => {
  it('locates the completion and its end-of-turn marker (Llama-2)', () => {
    const t = llamaTemplate().renderTraining(chat, 'Hello!');
    expect(t.text).toBe(
      '<s>[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nHi there [/INST] Hello! </s>',
    );
    expect(t.text.slice(0, t.promptEnd)).toBe(
      llamaTemplate().render(chat, { addGenerationPrompt: true }),
    );
    expect(t.text.slice(t.completionStart, t.completionEnd)).toBe('Hello!');
    expect(t.text.slice(t.completionStart, t.targetEnd)).toBe('Hello! </s>');
  });

  it('locates the completion and excludes the trailing newline (ChatML)', () => {
    const t = chatmlTemplate().renderTraining(chat, 'Hello!');
    expect(t.text.slice(t.completionStart, t.targetEnd)).toBe('Hello!<|im_end|>');
    expect(t.text.slice(t.targetEnd)).toBe('\n');
  });

  it('tokenizes with a loss range covering exactly the output tokens (Qwen)', () => {
    const tok = qwenTokenizer();
    const r = tokenizeTraining(tok, chatmlTemplate(), chat, 'Hello! 🐋');
    expect(tok.decode(r.ids.subarray(r.lossStart, r.lossEnd))).toBe('Hello! 🐋<|im_end|>');
    expect(tok.decode(r.ids.subarray(0, r.lossStart))).toBe(r.text.text.slice(0, r.text.promptEnd));
    expect(r.lossEnd).toBe(r.ids.length - 1); // the final "\n" is not trained
  });

  it('tokenizes with a loss range ending in EOS (Llama-2)', () => {
    const tok = llamaTokenizer();
    const r = tokenizeTraining(tok, llamaTemplate(), chat, 'Hello! 🐋');
    // The template writes ' ' + EOS after the answer; both are trained.
    expect(tok.decode(r.ids.subarray(r.lossStart, r.lossEnd), { skipSpecialTokens: true })).toBe(
      'Hello! 🐋 ',
    );
    expect(r.ids[r.lossEnd - 1]).toBe(tok.eosIds[0]);
    expect(r.ids[r.lossStart]).toBe(tok.tokenToId('▁Hello'));
    expect(tok.decode(r.ids.subarray(0, r.lossStart))).toContain('[/INST]');
  });

  it('refuses a template whose generation prompt is not a prefix of the finished turn', () => {
    const odd = new ChatTemplate(
      "{% for m in messages %}{{ m['content'] }}{% endfor %}{% if add_generation_prompt %}>>{% endif %}",
    );
    expect(() => odd.renderTraining(chat, 'x')).toThrow(ModelLoadError);
  });
});

describe('continuing a begun assistant turn (assistantPrefix)', () => {
  const user: ChatMessage[] = [{ role: 'user', content: 'Rate it' }];
  it('puts the prefix where the template puts assistant content', () => {
    // Llama-2 writes " " before the content: the prefix follows [/INST] with that space.
    expect(llamaTemplate().renderContinuation(user, 'Score:')).toBe(
      '<s>[INST] Rate it [/INST] Score:',
    );
    expect(chatmlTemplate().renderContinuation(user, 'Score: ')).toBe(
      '<|im_start|>user\nRate it<|im_end|>\n<|im_start|>assistant\nScore: ',
    );
    const fallback = new ChatTemplate(FALLBACK_CHAT_TEMPLATE, '<s>', '</s>', true);
    expect(fallback.renderContinuation(user, 'Score:')).toBe('<s>USER: Rate it\nASSISTANT: Score:');
    // No prefix: the plain generation prompt.
    expect(chatmlTemplate().renderContinuation(user, '')).toBe(
      chatmlTemplate().render(user, { addGenerationPrompt: true }),
    );
  });

  it("follows the real Qwen3 template's empty think block before the answer", () => {
    const template = ChatTemplate.fromTokenizerConfig(qwenFiles().tokenizerConfig);
    // A finished last turn gets an empty think block, so the continuation has it too.
    expect(template.renderContinuation(user, 'Score:')).toBe(
      template.render(user, { addGenerationPrompt: true }) + '<think>\n\n</think>\n\nScore:',
    );
  });

  it('falls back to generation prompt + prefix where the turn cannot be located', () => {
    const odd = new ChatTemplate(
      "{% for m in messages %}{{ m['content'] }}{% endfor %}{% if add_generation_prompt %}>>{% endif %}",
    );
    expect(odd.renderContinuation(user, 'Score:')).toBe('Rate it>>Score:');
    const stripping = new ChatTemplate(
      "{% for m in messages %}{{ m['role'] + ': ' + (m['content'] | trim) + '\\n' }}{% endfor %}" +
        "{% if add_generation_prompt %}{{ 'assistant: ' }}{% endif %}",
    );
    expect(stripping.renderContinuation(user, 'Score: ')).toBe('user: Rate it\nassistant: Score: ');
  });
});
