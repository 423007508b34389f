// Tagging ("system prompt", §2.3, v1 Table 8): seed examples get S_a, augmented examples S_w;
// at inference both are concatenated, a combination never seen in training, which gave the
// best win rate (66.47 vs 59.96 without tags at 7B).

export const SEED_TAG = 'Answer in the style of an AI Assistant.';
export const WEB_TAG = 'Answer with knowledge from web search.';

export type ExampleOrigin = 'seed' | 'augmented';

export function tagFor(origin: ExampleOrigin): string {
  return origin === 'seed' ? SEED_TAG : WEB_TAG;
}

/** Both tags, for inference with the final model (§2.3). */
export const INFERENCE_TAGS = `${SEED_TAG} ${WEB_TAG}`;

/**
 * Where the sentence goes is not specified by the paper (method.md §5, [uncertain]); we pass
 * it as the system message, which every chat template places before the instruction.
 */
export function taggedMessages(
  instruction: string,
  output: string | null,
  tag: string,
): { role: 'system' | 'user' | 'assistant'; content: string }[] {
  const messages: { role: 'system' | 'user' | 'assistant'; content: string }[] = [
    { role: 'system', content: tag },
    { role: 'user', content: instruction },
  ];
  if (output !== null) messages.push({ role: 'assistant', content: output });
  return messages;
}
