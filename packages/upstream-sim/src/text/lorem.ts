import { seededRandom } from './seeded-random.ts';
import { countTokens } from './tokens.ts';

const CANDIDATE_WORDS = (
  'the a model answer system simple request token stream data value quick clear bright quiet river ' +
  'mountain signal pattern window garden orbit ribbon thunder amber copper forest island kernel ocean ' +
  'quartz echo cloud field light north south east west morning silver golden little great open hidden ' +
  'modern small large early late warm cold'
).split(' ');

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

// Every piece of the generated text must be exactly one o200k token and sit on a pre-tokenizer
// boundary, so a reply of N pieces is exactly N tokens and any prefix is too (max_tokens cuts).
// Checked once at load rather than trusted, in case the tokenizer package changes.
const WORDS = CANDIDATE_WORDS.filter((word) =>
  [` ${word}`, ` ${capitalize(word)}`, capitalize(word)].every((piece) => countTokens(piece) === 1),
);
if (WORDS.length < 32) throw new Error('lorem vocabulary lost its single-token words');

/**
 * Deterministic filler prose of exactly `tokenCount` o200k tokens: sentences of 6–14 words, an
 * occasional comma, and a final period when there is room.
 */
export function loremTokens(
  tokenCount: number,
  seed: number,
  options: { leadingSpace?: boolean } = {},
): string {
  // The same conversation gets the same reply, so a client repeating a call (a benchmark, a retry)
  // is answered from here; bounded, since seeds come from requests.
  const key = `${tokenCount}:${seed}:${options.leadingSpace === true}`;
  const known = replies.get(key);
  if (known !== undefined) return known;
  const text = compose(tokenCount, seed, options.leadingSpace === true);
  if (text.length > MAX_KEPT_CHARS) return text;
  if (replies.size >= MAX_REPLIES) replies.clear();
  replies.set(key, text);
  return text;
}

const MAX_REPLIES = 4096;
const MAX_KEPT_CHARS = 16 * 1024;
const replies = new Map<string, string>();

function compose(tokenCount: number, seed: number, leadingSpace: boolean): string {
  const random = seededRandom(seed);
  const pick = (): string => WORDS[Math.floor(random() * WORDS.length)] ?? 'the';
  let text = '';
  let wordsInSentence = 0;
  let sentenceLength = 6 + Math.floor(random() * 9);
  let previous: 'word' | 'comma' | 'period' | 'start' = 'start';
  for (let used = 0; used < tokenCount; used += 1) {
    const remaining = tokenCount - used;
    const space = text === '' && !leadingSpace ? '' : ' ';
    if (previous === 'start' || previous === 'period') {
      text += space + capitalize(pick());
      wordsInSentence = 1;
      previous = 'word';
    } else if (remaining === 1 && previous === 'word') {
      text += '.';
      previous = 'period';
    } else if (previous === 'word' && wordsInSentence >= sentenceLength && remaining >= 3) {
      text += '.';
      previous = 'period';
      sentenceLength = 6 + Math.floor(random() * 9);
    } else if (previous === 'word' && wordsInSentence >= 3 && remaining >= 3 && random() < 0.12) {
      text += ',';
      previous = 'comma';
    } else {
      text += ` ${pick()}`;
      wordsInSentence += 1;
      previous = 'word';
    }
  }
  return text;
}
