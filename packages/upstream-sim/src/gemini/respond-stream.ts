import type { Exchange } from '../http/exchange.ts';
import { BatchedStream, sleep, writeAndFlush, writeWithBackpressure } from '../http/send.ts';
import { interleave, textPieces } from '../openai-chat/stream-chunks.ts';
import { countTokens } from '../text/tokens.ts';
import { geminiError, httpStatusFor } from './errors.ts';
import { responseHeaders } from './headers.ts';
import {
  renderCandidate,
  renderPart,
  type SimResponse,
  type UsageTotals,
  usageMetadata,
} from './response.ts';
import type { FinishReason, GeneratedCandidate } from './types.ts';

/** Text pieces of a few words (see `textPieces`) grouped per chunk: Gemini streams sentence-sized chunks. */
const PIECES_PER_CHUNK = 4;
/** Where a `streamError` fault interrupts by default: after the first chunk. */
const STREAM_ERROR_AFTER_CHUNKS = 1;

interface Piece {
  index: number;
  parts: Array<Record<string, unknown>>;
  finishReason: FinishReason | undefined;
  candidates: number;
  thoughts: number;
  images: number;
}

/**
 * `:streamGenerateContent`. With `alt=sse`, server-sent events of `data: <GenerateContentResponse>`
 * separated by `\r\n\r\n` (no `event:` names, no end sentinel); without it, the same responses as
 * one JSON array written element by element. Every chunk is a whole response with incremental
 * parts: thought summaries, then text a sentence at a time (a function call arrives whole), the
 * candidate's last chunk with its `finishReason`. Every chunk carries `usageMetadata` so far;
 * the last one the final counts. Faults can slow the stream, cut the connection after N chunks
 * (`cutAfterChunks`), or end it with an error object in band (`streamError`: its `type` is the
 * status name, e.g. `UNAVAILABLE`, which `@google/genai` turns into an `ApiError`).
 * @see https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 */
export async function respondStream(exchange: Exchange, response: SimResponse, sse: boolean): Promise<void> {
  const { response: http, signal, fault } = exchange;
  http.writeHead(200, {
    ...responseHeaders(exchange),
    'content-type': sse ? 'text/event-stream' : 'application/json; charset=UTF-8',
    'cache-control': 'no-cache',
  });
  const streamError = fault?.streamError;
  const cutAfter = streamError ? undefined : fault?.cutAfterChunks;
  const errorAfter = streamError ? (fault?.cutAfterChunks ?? STREAM_ERROR_AFTER_CHUNKS) : undefined;
  const delayMs = fault?.chunkDelayMs ?? 0;
  const paced = cutAfter !== undefined || errorAfter !== undefined;
  // Without a fault's pacing the whole stream is written in batches (headers with the first).
  const batch = !paced && delayMs === 0 ? new BatchedStream(http, signal) : undefined;
  if (!batch) http.flushHeaders();
  let sent = 0;
  const frame = (json: string): string => {
    if (sse) return `data: ${json}\r\n\r\n`;
    return sent === 0 ? `[${json}` : `\r\n,${json}`;
  };
  // A cut must not lose what was written just before it, so fault streams flush every chunk.
  const write = async (data: string): Promise<boolean> => {
    if (delayMs > 0 && sent > 0 && !(await sleep(delayMs, signal))) return false;
    sent += 1;
    if (batch) return batch.write(data);
    if (!paced) return writeWithBackpressure(http, data, signal);
    await writeAndFlush(http, data);
    return !signal.aborted;
  };

  for (const chunk of streamChunks(response)) {
    if (cutAfter !== undefined && sent >= cutAfter) break;
    if (errorAfter !== undefined && sent >= errorAfter) break;
    if (!(await write(frame(JSON.stringify(chunk))))) return;
  }
  if (cutAfter !== undefined) return exchange.destroyConnection();
  if (streamError) {
    const error = geminiError(
      httpStatusFor(streamError.type),
      streamError.message,
      undefined,
      streamError.type,
    );
    if (!(await write(frame(JSON.stringify({ error }))))) return;
  }
  if (!sse && !(await write(sent === 0 ? '[]' : ']'))) return;
  if (batch) batch.end();
  else http.end();
}

/** The chunks in wire order: candidates round-robin, usage accumulated as they go. */
export function* streamChunks(response: SimResponse): Generator<Record<string, unknown>> {
  const totals: UsageTotals = { candidates: 0, thoughts: 0, images: 0 };
  for (const piece of interleave(response.candidates.map(candidatePieces))) {
    totals.candidates += piece.candidates;
    totals.thoughts += piece.thoughts;
    totals.images += piece.images;
    yield {
      candidates: [renderCandidate(piece.parts, piece.index, piece.finishReason)],
      usageMetadata: usageMetadata(response, totals),
      modelVersion: response.modelVersion,
      responseId: response.responseId,
    };
  }
}

function candidatePieces(candidate: GeneratedCandidate, index: number): Piece[] {
  const pieces: Piece[] = [];
  const piece = (
    parts: Array<Record<string, unknown>>,
    candidates: number,
    thoughts: number,
    images = 0,
  ): Piece => ({
    index,
    parts,
    finishReason: undefined,
    candidates,
    thoughts,
    images,
  });
  for (const part of candidate.parts) {
    if (part.kind === 'functionCall') {
      pieces.push(piece([renderPart(part)], 0, 0));
      continue;
    }
    // An image arrives whole, in a chunk of its own.
    if (part.kind === 'image') {
      pieces.push(piece([renderPart(part)], part.tokens, 0, part.tokens));
      continue;
    }
    const chunks = chunkText(part.text);
    chunks.forEach((text, position) => {
      const last = position === chunks.length - 1;
      const tokens = countTokens(text);
      if (part.kind === 'thought') {
        pieces.push(piece([{ text, thought: true }], 0, tokens));
      } else {
        // A text part's signature comes with its last chunk.
        const signature = last && part.signature ? { thoughtSignature: part.signature } : {};
        pieces.push(piece([{ text, ...signature }], tokens, 0));
      }
    });
  }
  if (pieces.length === 0) pieces.push(piece([], 0, 0));
  // Hidden thinking happened before the first chunk; the last chunk settles the exact counts.
  const first = pieces[0] as Piece;
  const last = pieces.at(-1) as Piece;
  const streamedThoughts = pieces.reduce((sum, entry) => sum + entry.thoughts, 0);
  first.thoughts += candidate.thoughtTokens - streamedThoughts;
  const streamedOutput = pieces.reduce((sum, entry) => sum + entry.candidates, 0);
  last.candidates += candidate.outputTokens - streamedOutput;
  last.finishReason = candidate.finishReason;
  return pieces;
}

function chunkText(text: string): string[] {
  const pieces = textPieces(text);
  const chunks: string[] = [];
  for (let start = 0; start < pieces.length; start += PIECES_PER_CHUNK) {
    chunks.push(pieces.slice(start, start + PIECES_PER_CHUNK).join(''));
  }
  return chunks.length > 0 ? chunks : [text];
}
