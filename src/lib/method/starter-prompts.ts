// The embedded starter prompt set (issue 12 item 1): 42 prompts written for this project (not
// taken from any benchmark), spread over the kinds of request the paper's test sources cover
// (§3.1: information seeking, advice, writing, reasoning, how-to, recipes; method.md §8.5).
// Short enough for small models in a browser; a few are deliberately open-ended.
import type { EvalPrompt } from '../domain';

export const STARTER_PROMPT_SET_NAME = 'Humpback Studio starter set (42 prompts)';

const by = (category: string, texts: string[]): EvalPrompt[] =>
  texts.map((text) => ({ text, category }));

export const STARTER_PROMPTS: readonly EvalPrompt[] = [
  ...by('information', [
    'Why do whales sing, and do all whale species do it?',
    'What is the difference between weather and climate?',
    'How did people keep food from spoiling before refrigerators existed?',
    'Explain what a compiler does, for someone who has never programmed.',
    'Why does bread go stale, and is stale bread simply dry bread?',
    'What causes the seasons on Earth?',
    'What does a tide table tell you, and why do tides change from day to day?',
  ]),
  ...by('advice', [
    'I have a job interview tomorrow and I get very nervous. What can I do tonight and in the morning to feel calmer?',
    'My neighbour plays loud music late at night. How can I bring it up without starting a feud?',
    'I want to start running but I get out of breath after two minutes. How should I begin?',
    'How should I decide between renting and buying a home in my first years of work?',
    'A friend keeps cancelling plans at the last minute. How do I tell them it bothers me?',
    'I am learning a language on my own and keep losing motivation after a few weeks. Any advice?',
    'What should I check before I buy a used bicycle?',
  ]),
  ...by('writing', [
    'Write a short, friendly note to thank a colleague who covered my shifts while I was ill.',
    'Write a four-line poem about the first frost of autumn.',
    'Draft a polite email asking a landlord to repair a leaking kitchen tap.',
    'Write the opening paragraph of a mystery story set in a lighthouse.',
    'Summarise the plot of a fairy tale of your choice in three sentences for a child.',
    'Write a product description for a handmade ceramic mug, in under 80 words.',
    'Rewrite this sentence to sound more confident: "I think maybe we could possibly try a new approach."',
  ]),
  ...by('reasoning', [
    'A train leaves at 14:40 and the trip takes 2 hours and 35 minutes. When does it arrive?',
    'If three painters paint three fences in three hours, how long do six painters need for six fences?',
    'I have twice as many sisters as brothers, and each of my sisters has as many brothers as sisters. How many children are in my family?',
    'Which is heavier: a kilogram of feathers or a kilogram of iron? Explain.',
    'A shop raises a price by 20% and then lowers the new price by 20%. Is the final price the same as the original?',
    'Sort these by size, smallest first: a grain of sand, a virus, a human hair width, a red blood cell.',
    'Is the statement "all squares are rectangles" true? What about "all rectangles are squares"?',
  ]),
  ...by('how-to', [
    'How do I change a flat tyre on a car, step by step?',
    'How can I back up the photos on my phone so I do not lose them?',
    'Explain how to tie a bowline knot.',
    'How do I remove a red wine stain from a cotton shirt?',
    'What are the steps to plant a fruit tree in a garden?',
    'How do I make a simple budget for a month?',
    'How do I get rid of condensation on the inside of my windows in winter?',
  ]),
  ...by('recipes', [
    'Give me a simple recipe for a vegetable soup that uses what most kitchens have.',
    'How do I cook rice so that it is fluffy and not sticky?',
    'Suggest a quick breakfast that is high in protein and needs no cooking.',
    'What can I bake with three overripe bananas?',
    'How do I make a basic vinaigrette, and how can I vary it?',
    'Plan a vegetarian dinner for four people with a starter, main and dessert.',
    'How long should I boil an egg for a runny yolk, and why does it sometimes crack?',
  ]),
];
