import { describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../../src/lib/protocol/errors';
import { HfTokenizer } from '../../../src/lib/engines/hf/tokenizer';
import { llamaTokenizer, qwenTokenizer } from './hf-fixtures';

const llama = llamaTokenizer();
const qwen = qwenTokenizer({ eos_token_id: [151645, 151643], pad_token_id: 151643 });

const MULTILINGUAL =
  'Humpback whales 🐋 sing; Buckelwale singen über Ozeane. 座头鲸会唱歌。' +
  ' Горбатые киты поют — naïve café, 👩‍👩‍👧 family!\n\tTabs  and  double spaces.';

function byteTokens(text: string): string[] {
  return [...new TextEncoder().encode(text)].map(
    (b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`,
  );
}

describe('HfTokenizer (Llama-style SentencePiece BPE with byte fallback)', () => {
  it('encodes known strings to the vocabulary ids of their pieces', () => {
    const ids = llama.encode('Hello world');
    expect(ids).toBeInstanceOf(Int32Array);
    expect([...ids]).toEqual([
      llama.tokenToId('<s>'),
      llama.tokenToId('▁Hello'),
      llama.tokenToId('▁world'),
    ]);
    expect(llama.idToToken(ids[1])).toBe('▁Hello');
    expect([...llama.encode('Hello world', { addSpecialTokens: false })]).toEqual([
      ...ids.slice(1),
    ]);
  });

  it('falls back to UTF-8 byte tokens for characters outside the vocabulary', () => {
    expect(llama.tokenToId('🐋')).toBeUndefined();
    const ids = llama.encode('🐋', { addSpecialTokens: false });
    const pieces = [...ids].map((id) => llama.idToToken(id));
    expect(pieces.slice(-4)).toEqual(byteTokens('🐋'));
    expect(llama.decode(ids)).toBe('🐋');
  });

  it('round-trips unicode, emoji, whitespace and newlines', () => {
    for (const text of [MULTILINGUAL, '  leading spaces', 'a\n\nb', 'ZWJ 👩‍👩‍👧 and 🇩🇪']) {
      expect(llama.decode(llama.encode(text), { skipSpecialTokens: true })).toBe(text);
    }
  });

  it('reads BOS/EOS from tokenizer_config.json and keeps or skips them in decode', () => {
    expect(llama.bosId).toBe(llama.tokenToId('<s>'));
    expect(llama.eosIds).toEqual([llama.tokenToId('</s>')]);
    expect(llama.padId).toBeNull();
    const ids = [...llama.encode('Hi'), llama.eosIds[0]];
    expect(llama.decode(ids, { skipSpecialTokens: true })).toBe('Hi');
    expect(llama.decode(ids)).toContain('</s>');
    expect(llama.isEos(llama.eosIds[0])).toBe(true);
    expect(llama.vocabSize).toBe(32000);
  });
});

describe('HfTokenizer (Qwen2-style byte-level BPE)', () => {
  it('encodes known strings to the vocabulary ids of their byte-level pieces', () => {
    expect([...qwen.encode('Hello world')]).toEqual([
      qwen.tokenToId('Hello'),
      qwen.tokenToId('Ġworld'),
    ]);
    expect(qwen.bosId).toBeNull(); // Qwen has no BOS and adds none
  });

  it('splits special tokens out of text and merges eos ids from generation_config', () => {
    const ids = [...qwen.encode('<|im_start|>user\nhi<|im_end|>')];
    expect(ids[0]).toBe(qwen.tokenToId('<|im_start|>'));
    expect(ids.at(-1)).toBe(qwen.tokenToId('<|im_end|>'));
    expect(qwen.eosIds.sort()).toEqual(
      [qwen.tokenToId('<|im_end|>')!, qwen.tokenToId('<|endoftext|>')!].sort(),
    );
    expect(qwen.padId).toBe(qwen.tokenToId('<|endoftext|>'));
    expect(qwen.decode(ids, { skipSpecialTokens: true })).toBe('user\nhi');
  });

  it('round-trips multilingual text', () => {
    expect(qwen.decode(qwen.encode(MULTILINGUAL))).toBe(MULTILINGUAL);
  });

  it('raises ModelLoadError for a broken tokenizer.json', () => {
    expect(() =>
      HfTokenizer.fromJson({ model: { type: 'Nope' } }, {}, undefined, undefined, 'x/y'),
    ).toThrow(ModelLoadError);
  });
});

describe('StreamDecoder', () => {
  for (const [name, tok] of [
    ['llama', llama],
    ['qwen', qwen],
  ] as const) {
    it(`${name}: emitted text + flush equals the full decode for every prefix`, () => {
      const ids = [...tok.encode(MULTILINGUAL, { addSpecialTokens: false })];
      for (let n = 0; n <= ids.length; n++) {
        const stream = tok.createStreamDecoder();
        let out = '';
        for (const id of ids.slice(0, n)) out += stream.push(id);
        expect(tok.decode(ids.slice(0, n)).startsWith(out)).toBe(true);
        expect(out + stream.flush()).toBe(tok.decode(ids.slice(0, n)));
      }
    });

    it(`${name}: never emits a broken character while streaming`, () => {
      const ids = [...tok.encode(MULTILINGUAL, { addSpecialTokens: false })];
      const stream = tok.createStreamDecoder();
      const pieces = ids.map((id) => stream.push(id));
      expect(pieces.some((p) => p.includes('\uFFFD'))).toBe(false);
      // Multi-token characters (emoji) make some steps emit nothing yet.
      expect(pieces.filter((p) => p === '').length).toBeGreaterThan(0);
      expect(pieces.join('') + stream.flush()).toBe(MULTILINGUAL);
    });
  }

  it('skips special tokens when asked', () => {
    const ids = [...qwen.encode('<|im_start|>assistant\nOK 🐋<|im_end|>')];
    const stream = qwen.createStreamDecoder({ skipSpecialTokens: true });
    const out = ids.map((id) => stream.push(id)).join('') + stream.flush();
    expect(out).toBe('assistant\nOK 🐋');
  });
});

describe('tokenSpan', () => {
  it('maps a character span to the tokens that cover it', () => {
    const text = '<|im_start|>assistant\nThe answer is 42.<|im_end|>\n';
    const from = text.indexOf('The');
    const to = text.lastIndexOf('\n');
    const { ids, start, end } = qwen.tokenSpan(text, from, to);
    expect(qwen.decode(ids.subarray(start, end))).toBe('The answer is 42.<|im_end|>');
    expect(qwen.decode(ids.subarray(0, start))).toBe('<|im_start|>assistant\n');
  });

  it('includes a token merged across the boundary (SentencePiece "▁word")', () => {
    const text = '[INST] Say hi [/INST] Hello there </s>';
    const from = text.indexOf('Hello');
    const { ids, start, end } = llama.tokenSpan(text, from, text.length);
    expect(llama.idToToken(ids[start])).toBe('▁Hello');
    expect(end).toBe(ids.length);
    expect(llama.decode(ids.subarray(0, start))).toBe('[INST] Say hi [/INST]');
  });
});
