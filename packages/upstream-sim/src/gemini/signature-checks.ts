import { fail } from './errors.ts';
import { modelTraits } from './models.ts';
import { currentTurnStart } from './parse-contents.ts';
import type { ThoughtSigner } from './thought-signature.ts';
import type { InputContent } from './types.ts';

/**
 * Gemini 3 validates thought signatures on the current turn (every step since the last user
 * message that is not only function responses): the first `functionCall` part of each model step
 * must carry the signature it came with — the API's 400, in its words, names the call as
 * `default_api:<name>` and the 1-based position of the content. A signature that does not verify
 * (edited, moved to another call, or invented) is a 400 "Corrupted thought signature."; the two
 * documented placeholder values pass. Earlier turns and text parts are not validated, and
 * Gemini 2.5 does not validate at all.
 * @see https://ai.google.dev/gemini-api/docs/thought-signatures
 */
export function checkThoughtSignatures(
  model: string,
  contents: readonly InputContent[],
  signer: ThoughtSigner,
): void {
  if (!modelTraits(model).requiresSignatures) return;
  const start = currentTurnStart(contents);
  contents.forEach((content, index) => {
    if (index <= start || content.role !== 'model') return;
    const calls = content.parts.flatMap((part) => (part.kind === 'functionCall' ? [part] : []));
    const first = calls[0];
    if (!first) return;
    if (first.signature === undefined) {
      fail(
        'Function call is missing a thought_signature in functionCall parts. This is required for tools to work ' +
          'correctly, and missing thought_signature may lead to degraded model performance. Additional data, ' +
          `function call \`default_api:${first.name}\` , position ${index + 1}. Please refer to ` +
          'https://ai.google.dev/gemini-api/docs/thought-signatures for more details.',
      );
    }
    for (const call of calls) {
      if (call.signature !== undefined && !signer.verifyCall(call.name, call.args, call.signature)) {
        fail('Corrupted thought signature.');
      }
    }
  });
}
