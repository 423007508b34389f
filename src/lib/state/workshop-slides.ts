// The workshop's slides (issue 12 §4): one idea per screen, in the order of the method (Li et
// al. 2023, "Self-Alignment with Instruction Backtranslation"; method.md). Plain data, so the
// wording can be reviewed without reading any UI code. Each slide names the paper's section
// and figure or table it comes from, what the paper measured (`paper`), and what it needs
// before the user's own numbers exist (`needs`). The user's numbers are filled in by
// workshop-numbers.ts; the view shows them beside these lines.

export type WorkshopSlideId =
  | 'overview'
  | 'corpus'
  | 'seed'
  | 'backward'
  | 'augment'
  | 'curate'
  | 'stats'
  | 'iterate'
  | 'finetune'
  | 'evaluate';

export interface WorkshopSlide {
  id: WorkshopSlideId;
  title: string;
  /** The idea of the slide, in one sentence. */
  idea: string;
  /** Plain-words explanation, one paragraph each. */
  explain: string[];
  /** Where it comes from in the paper (v1 numbering; method.md §0 maps v3). */
  source: string;
  /** What the paper measured, one line each, shown beside the user's numbers. */
  paper: string[];
  /** The model the step needs, in words; null when it needs none of its own. */
  needs: string | null;
  /** A part of the step the app does not have yet, said on the slide. */
  notBuilt?: string;
}

export const WORKSHOP_SLIDES: readonly WorkshopSlide[] = [
  {
    id: 'overview',
    title: 'Instruction backtranslation',
    idea: 'Turn unlabelled text into instruction–answer pairs by guessing the question each passage answers.',
    explain: [
      'A language model learns to follow instructions from examples: an instruction and a good answer. Writing such pairs by hand is slow.',
      'Humpback starts from a few hand-written pairs and a lot of ordinary text. A model guesses the instruction that each passage would answer, another model rates the guesses, and only the best pairs are kept for fine-tuning.',
      'The chain: seed → backward model → candidates → M0 rates → A(1) → M1 rates → A(2) → M2.',
    ],
    source: 'Li et al. 2023, §1–2, Figure 1',
    paper: [
      '3,200 seed pairs and 502,133 web passages (ClueWeb22)',
      'Humpback 65B: 83.71 % win rate against text-davinci-003 on AlpacaEval (v1 Table 4)',
    ],
    needs: null,
  },
  {
    id: 'corpus',
    title: 'The unlabelled corpus',
    idea: 'Cut ordinary web text into self-contained passages that could each be an answer.',
    explain: [
      'A passage is the text under one header, with its sub-sections. Passages of 600–3,000 characters are kept; navigation-like, all-capitals, empty-header and repetitive ones are dropped, and duplicates are removed.',
      'No labels are needed: any text that reads like a good answer is welcome.',
    ],
    source: '§2.1 and App. E (segmentation)',
    paper: ['502,133 segments sampled from the English part of ClueWeb22'],
    needs: null,
  },
  {
    id: 'seed',
    title: 'The seed pairs',
    idea: 'A small set of human-written instruction–answer pairs teaches both directions.',
    explain: [
      'The seed is the only labelled data. It trains the forward model M0 (instruction → answer) and, reversed, the backward model (answer → instruction).',
      'Its length statistics are the yardstick for everything generated later.',
    ],
    source: '§2.1, §3.1; v1 Table 2 (data statistics)',
    paper: [
      '3,200 pairs from Open Assistant (first turns, rank 0, English)',
      'instruction 148 ± 322 characters, answer 1,072 ± 818 characters',
    ],
    needs: null,
  },
  {
    id: 'backward',
    title: 'The backward model',
    idea: 'Fine-tune a model on the seed pairs turned around: given the answer, write the instruction.',
    explain: [
      'The backward model M_yx = p(x | y) reads a passage y and predicts the instruction x it answers. It is the same base model, fine-tuned on the seed reversed.',
      'In this app it is a LoRA adapter trained in the Train step (backward mode), or an instruct model asked with a few seed examples.',
    ],
    source: '§2.2 (self-augmentation), method.md §3',
    paper: [
      'LLaMA 7B / 33B / 65B fine-tuned on the 3,200 seed pairs reversed',
      'The paper never measures the backward model on its own',
    ],
    needs:
      'a backward model: train one in Train (backward mode) or assign an instruct model to the backward role in Models',
  },
  {
    id: 'augment',
    title: 'Self-augmentation',
    idea: 'The backward model writes one candidate instruction for every passage.',
    explain: [
      'Each kept passage becomes a candidate pair: the generated instruction and the passage as its answer. Sampling is nucleus sampling with T = 0.7, p = 0.9.',
      'Small models make typical mistakes: meta-instructions, echoing the passage, instructions in another language. The app filters these and counts them.',
    ],
    source: '§2.2; v1 Table 2 row "Augmented, all candidates"',
    paper: [
      '502,133 candidates',
      'generated instructions 352 ± 134 characters, passages 1,722 ± 653 characters',
    ],
    needs: 'the backward model (see the previous slide)',
  },
  {
    id: 'curate',
    title: 'Self-curation',
    idea: 'The forward model rates each candidate 1–5; only the best are kept.',
    explain: [
      'M0, fine-tuned on the seed alone, reads each pair with the paper’s rating prompt and answers with a short reasoning and "Score: n". Pairs rated at least k are kept: A_k.',
      'The main setting keeps only 5s (k = 5). Most candidates do not make it.',
    ],
    source: '§2.3 and v1 Table 1 (the rating prompt); §3.3 (k = 5)',
    paper: ['8.3 % of candidates rated 5 (41,821 of 502,133)', '38.8 % rated 4 or 5 (195,043)'],
    needs: 'a rater M0: assign the rater role in Models (a seed-tuned adapter is the paper’s M0)',
  },
  {
    id: 'stats',
    title: 'What curation keeps',
    idea: 'Kept pairs have shorter, clearer instructions than the raw candidates.',
    explain: [
      'The paper’s statistics table compares the seed, the kept sets A_5 and A_4, and all candidates by count and length. Curated instructions are much shorter than raw ones (115 against 352 characters).',
      'Your run’s rows sit beside the paper’s: similar shapes suggest the rater picks the same kind of pair.',
    ],
    source: 'v1 Table 2 (= v3 Table 1)',
    paper: [
      'seed 148 / 1,072, A₅ 115 / 1,663, A₄ 206 / 1,985, all 352 / 1,722 characters (instruction / answer)',
    ],
    needs: null,
  },
  {
    id: 'iterate',
    title: 'Iterate: M1 rates again',
    idea: 'A model trained on seed + A(1) becomes a better rater for the second round.',
    explain: [
      'M1 is fine-tuned on the seed plus the curated pairs A(1), with a tag sentence saying where each pair came from. M1 then rates every candidate again, giving A(2), and M2 is trained on seed + A(2): that is Humpback.',
      'The paper found M1 a much better selector than M0, measured against an author’s labels. Your run has no such labels, so it shows how far the two raters agree and how many pairs each keeps.',
    ],
    source: '§2.3, §3; v1 Table 7 (curation quality)',
    paper: [
      'M0 as selector: precision 0.44, recall 0.09',
      'M1 as selector: precision 0.52, recall 0.44 (250 dev examples labelled by an author)',
    ],
    needs:
      'a rater for iteration 2 (M1, trained on seed + A(1)) and ratings of iteration 2 in Curate',
  },
  {
    id: 'finetune',
    title: 'Fine-tuning',
    idea: 'Train the final model on the seed plus the curated pairs, each tagged with its origin.',
    explain: [
      'Seed pairs get "Answer in the style of an AI Assistant.", augmented ones "Answer with knowledge from web search." At inference both sentences together gave the best results.',
      'Here fine-tuning is LoRA on WebGPU: adapters of a small model, trained in this browser.',
    ],
    source: '§2.3 (tagging), §3.1 (hyperparameters); v1 Table 8',
    paper: [
      'learning rate 1e-5 → 9e-6, batch 32 (8 under 3,000 examples), dropout 0.1',
      'tagging: 66.47 ± 3.04 % with both sentences against 59.96 ± 3.09 % without (7B)',
    ],
    needs: 'a base model to fine-tune (Train step)',
  },
  {
    id: 'evaluate',
    title: 'Evaluation',
    idea: 'A judge compares answers of two models on held-out prompts; the win rate is the evidence.',
    explain: [
      'Each prompt is answered by both models and a judge picks the better answer, in both orders to cancel position bias. Ties count as half. Judges favour longer answers, so a length-controlled figure matters too.',
      'More curated data keeps helping: win rate grows with log N, fastest for Humpback’s data.',
    ],
    source: '§3.2–3.3; v1 Table 4 (AlpacaEval), Table 3 (data scaling)',
    paper: [
      'Humpback 65B 83.71 %, 33B 79.84 % against text-davinci-003',
      'data scaling w = α log N + C: α = 6.95 for Humpback, 4.43 for Open Assistant, 2.86 for LIMA',
    ],
    needs:
      'two models to compare and a judge (the Evaluate step); a base model to train for the sweep',
  },
];
