// Generated-instruction cleaning and filtering, on real demo passages (600–3,000 characters).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  cleanInstruction,
  dominantScript,
  instructionIssue,
  isEcho,
  isMetaInstruction,
  isOtherLanguage,
} from '../../../src/lib/method';

const demo = (file: string) =>
  readFileSync(new URL(`../../../public/demo/${file}`, import.meta.url), 'utf8');

/** The text under one "## " header of a demo Markdown file (one paper-style segment). */
function section(file: string, header: string): string {
  const md = demo(file);
  const start = md.indexOf(`## ${header}`);
  const end = md.indexOf('\n## ', start + 1);
  return md.slice(start, end === -1 ? undefined : end).trim();
}

const CHAIN = section('bike-commuting-guide.md', 'Keeping your chain clean');
const SEASONS = section('bike-commuting-guide.md', 'Riding through the seasons');

describe('cleanInstruction', () => {
  it.each([
    [
      'Question: How often should I clean my bike chain?',
      'How often should I clean my bike chain?',
    ],
    ['**Instruction:** How often should I clean my chain?', 'How often should I clean my chain?'],
    ['"How often should I clean my chain?"', 'How often should I clean my chain?'],
    [
      'How often should I clean my chain?\nAnswer: Every few weeks in summer.',
      'How often should I clean my chain?',
    ],
    [
      'How do I dress for winter cycling? [/INST] Wear layers.',
      'How do I dress for winter cycling?',
    ],
    ['What lights do I need?<|im_end|>\n<|im_start|>assistant', 'What lights do I need?'],
    ['  How   do I   ride on ice?  ', 'How do I ride on ice?'],
  ])('%j → %j', (raw, clean) => expect(cleanInstruction(raw)).toBe(clean));

  it('keeps multi-paragraph instructions and quotes inside them', () => {
    const raw = 'Rewrite this sentence:\n\n"Salt corrodes drivetrain parts quickly."';
    expect(cleanInstruction(raw)).toBe(raw);
  });
});

describe('meta-instructions (method.md §9.3 failure modes)', () => {
  it.each([
    'Write an instruction to train a machine to translate cycling texts.',
    'Write the most likely question to which the text below would be a great answer.',
    'Generate a question that would elicit this answer about chains.',
    'Summarize the passage above.',
    'Based on the text, how often should a chain be cleaned?',
    'What does the following passage say about degreaser?',
    'Answer in the style of an AI Assistant.',
    'Below is a candidate answer to a question from an user.',
  ])('flags %j', (text) => expect(isMetaInstruction(text)).toBe(true));

  it.each([
    'Write instructions for cleaning a bike chain.',
    'Write a question for a quiz about bicycle maintenance.',
    'How often should I clean my bike chain, and what should I use?',
    'Give me a checklist for winter commuting by bike.',
    'Explain what a degreaser does to a chain.',
  ])('keeps %j', (text) => expect(isMetaInstruction(text)).toBe(false));
});

describe('echo of the passage', () => {
  it('flags an instruction copied from the passage', () => {
    const copied = CHAIN.split(/\s+/).slice(4, 40).join(' ');
    expect(isEcho(copied, CHAIN)).toBe(true);
    expect(instructionIssue(copied, CHAIN)).toBe('echo');
  });
  it('keeps a question that quotes a short phrase of it', () => {
    const q = 'What does "pedal backwards for a minute" do when cleaning a chain with a rag?';
    expect(isEcho(q, CHAIN)).toBe(false);
    expect(instructionIssue(q, CHAIN)).toBeNull();
  });
});

describe('language', () => {
  const english = [
    'How often should I clean my bike chain?',
    'How do I fix a leaking tap?',
    'Explain how a bicycle gear works.',
    'How long should I boil an egg?',
    'Can you recommend a good beginner camera?',
    'What should I wear for cycling to work in winter?',
    'Why is a chain lubricated only after it is dry?',
    'Tips for riding on icy roads?',
  ];
  it.each(english)('keeps the English %j for an English passage', (q) => {
    expect(isOtherLanguage(q, SEASONS)).toBe(false);
    expect(isOtherLanguage(q, CHAIN)).toBe(false);
  });

  it.each([
    'Wie oft sollte ich meine Fahrradkette reinigen?',
    'Was ziehe ich im Winter zum Radfahren an?',
    'Comment nettoyer la chaîne de mon vélo ?',
    '¿Con qué frecuencia debo limpiar la cadena de la bicicleta?',
    'Как часто нужно чистить велосипедную цепь?',
    '自転車のチェーンはどのくらいの頻度で掃除すべきですか？',
  ])('flags %j for an English passage', (q) => {
    expect(isOtherLanguage(q, CHAIN)).toBe(true);
    expect(instructionIssue(q, CHAIN)).toBe('language');
  });

  it.each([
    'Hoe vaak moet ik mijn fietsketting schoonmaken?',
    'Quanto spesso devo pulire la catena della bici?',
  ])('flags %j for an English passage', (q) => expect(isOtherLanguage(q, CHAIN)).toBe(true));

  // An original German passage: the check works from the passage's language, not from English.
  const GERMAN =
    'Wie oft man die Kette reinigt, hängt davon ab, wo man fährt. Ein Rad, das im Sommer nur auf ' +
    'trockenen Straßen unterwegs ist, braucht vielleicht alle paar Wochen eine Reinigung, während ' +
    'ein Pendlerrad im Winter bei Regen und Streusalz jede Woche Aufmerksamkeit braucht. Eine ' +
    'einfache Regel lautet: Wenn sich an den Seitenplatten schwarzer Schmutz sammelt oder die ' +
    'Kette beim Rückwärtstreten knirscht, ist es so weit. Für eine schnelle Reinigung hält man ' +
    'einen Lappen um das untere Kettenstück und tritt eine Minute lang rückwärts. Für eine ' +
    'gründliche Reinigung nimmt man einen Entfetter und eine Bürste und spült danach vorsichtig ' +
    'mit klarem Wasser, aber nie mit einem Hochdruckreiniger, weil er Wasser in die Lager drückt.';
  it('judges by the passage language: German kept, English flagged for a German passage', () => {
    expect(isOtherLanguage('Wie oft sollte ich meine Fahrradkette reinigen?', GERMAN)).toBe(false);
    expect(isOtherLanguage('How often should I clean my bike chain when it rains?', GERMAN)).toBe(
      true,
    );
    // No function words at all: no evidence, so the instruction is kept.
    expect(isOtherLanguage('Bake sourdough bread.', GERMAN)).toBe(false);
  });

  it('names the dominant writing system', () => {
    expect(dominantScript('Как часто, bike?')).toBe('cyrillic');
    expect(dominantScript('1234 !!')).toBeNull();
  });
});

describe('instructionIssue', () => {
  it('reports each reason, first problem first', () => {
    expect(instructionIssue('', CHAIN)).toBe('empty');
    expect(instructionIssue(' … ?! ', CHAIN)).toBe('empty');
    expect(instructionIssue('Chains?', CHAIN)).toBe('too-short');
    expect(instructionIssue(`How ${'really '.repeat(200)}often?`, CHAIN)).toBe('too-long');
    expect(instructionIssue('Write an instruction about chains.', CHAIN)).toBe('meta');
  });
  it('limits are configurable', () => {
    const q = 'How often should I clean my bike chain?';
    expect(instructionIssue(q, CHAIN, { minChars: 10, maxChars: 20, echoShare: 0.5 })).toBe(
      'too-long',
    );
  });
});
