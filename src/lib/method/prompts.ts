// The paper's prompts, verbatim. Typos ("an user", "It provide") and the mixed apostrophes
// (curly in "another person’s" and "user’s question") are part of the original text and are
// kept on purpose (method.md §4).

/**
 * Self-curation rating prompt: Humpback paper, arXiv 2308.06259v1, Table 1 (= v3 Table 19).
 * The two placeholders at the end are the generated instruction, then the candidate output.
 */
export const RATING_PROMPT_HEAD = `Below is an instruction from an user and a candidate answer. Evaluate whether or not the answer is a good example of how AI Assistant should respond to the user's instruction. Please assign a score using the following 5-point scale:
1: It means the answer is incomplete, vague, off-topic, controversial, or not exactly what the user asked for. For example, some content seems missing, numbered list does not start from the beginning, the opening sentence repeats user's question. Or the response is from another person’s perspective with their personal experience (e.g. taken from blog posts), or looks like an answer from a forum. Or it contains promotional text, navigation text, or other irrelevant information.
2: It means the answer addresses most of the asks from the user. It does not directly address the user's question. For example, it only provides a high-level methodology instead of the exact solution to user's question.
3: It means the answer is helpful but not written by an AI Assistant. It addresses all the basic asks from the user. It is complete and self contained with the drawback that the response is not written from an AI assistant's perspective, but from other people's perspective. The content looks like an excerpt from a blog post, web page, or web search results. For example, it contains personal experience or opinion, mentions comments section, or share on social media, etc.
4: It means the answer is written from an AI assistant's perspective with a clear focus of addressing the instruction. It provide a complete, clear, and comprehensive response to user’s question or instruction without missing or irrelevant information. It is well organized, self-contained, and written in a helpful tone. It has minor room for improvement, e.g. more concise and focused.
5: It means it is a perfect answer from an AI Assistant. It has a clear focus on being a helpful AI Assistant, where the response looks like intentionally written to address the user's question or instruction without any irrelevant sentences. The answer provides high quality content, demonstrating expert knowledge in the area, is very well written, logical, easy-to-follow, engaging and insightful.

Please first provide a brief reasoning you used to derive the rating score, and then write "Score: <rating>" in the last line.`;

/** The full rating prompt for one candidate pair (§2.3; placeholders filled as in method.md §4). */
export function ratingPrompt(instruction: string, output: string): string {
  return `${RATING_PROMPT_HEAD}\n\n${instruction}\n${output}`;
}

/**
 * Backtranslation (self-augmentation) prompt. Humpback does not print it; the follow-up paper
 * (arXiv 2408.04614, App. A.2) says its prompt "follows from previous work (Li et al., 2023a)".
 * This is that text without the Llama-2 [INST] wrapper, which the chat template adds.
 */
export function backtranslationPrompt(response: string): string {
  return (
    'Below is a candidate answer to a question or instruction from an user. ' +
    'Write the most likely question to which the text below would be a great answer.\n\n' +
    `${response}\n\n` +
    'Answer in the style of an AI Assistant.'
  );
}

/** Versions of the prompts the stages record in their lineage (bump on any change of text). */
export const PROMPT_VERSIONS = {
  backtranslation: 'backtranslation-v1',
  instructAugment: 'instruct-augment-v1',
  rating: 'rating-paper-v1',
  fastRating: 'rating-fast-score-prefix-v1',
  fastRatingScoreOnly: 'rating-fast-score-only-v1',
} as const;

/** A seed pair shown to an instruct model as an example (few-shot augmentation). */
export interface AugmentExample {
  instruction: string;
  output: string;
}

/**
 * Self-augmentation with an instruct model instead of a trained backward adapter (our
 * variant, not the paper's: §2.2 fine-tunes M_yx). Zero-shot with no examples; few-shot shows
 * seed pairs as (text → instruction) examples. One user message; the model answers with the
 * instruction only.
 */
export function instructAugmentPrompt(passage: string, examples: AugmentExample[] = []): string {
  const head =
    'Here is a text written as the answer to a request from a user. ' +
    'Write the request (a question or instruction) that this text answers best. ' +
    'Reply with the request only, in the language of the text.';
  const shots = examples.map(
    (e, i) => `Example ${i + 1}\nText:\n${e.output}\nRequest: ${e.instruction}`,
  );
  return [head, ...shots, `Text:\n${passage}\nRequest:`].join('\n\n');
}

/**
 * Fast curation (issue 10 §5): the paper's rating prompt, verbatim, as the user turn; the
 * assistant turn is prefilled with FAST_RATING_PREFIX, so the model's next token is the rating
 * and no reasoning is written. This is a stated variant of §2.3, which asks for reasoning first:
 * the rater commits to a score without it.
 */
export const FAST_RATING_PREFIX = 'Score:';
export const FAST_RATING_CONTINUATIONS = ['1', '2', '3', '4', '5'] as const;

/**
 * Fast curation on an engine that cannot prefill the assistant turn (web-llm): the paper's
 * rating prompt, verbatim, followed by one sentence of ours that asks for the score alone, so
 * the reply's first token is the rating. A further stated variant of §2.3: the model is told
 * to drop the reasoning the paper's prompt asks for, and it may not comply as readily as a
 * prefilled "Score:" forces it to, so prefer the prefix where the engine allows it.
 */
export const SCORE_ONLY_INSTRUCTION =
  'Do not write the reasoning: reply with the score alone, one digit from 1 to 5.';

export function scoreOnlyRatingPrompt(instruction: string, output: string): string {
  return `${ratingPrompt(instruction, output)}\n\n${SCORE_ONLY_INSTRUCTION}`;
}
