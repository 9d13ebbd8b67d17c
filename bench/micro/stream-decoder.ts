// The OpenAI-dialect stream decoder per stream, through delta templates (as the gateway reads streams when the client
// did not ask for provider annotations) and with every chunk parsed whole (templates off). Cited as "37 → 16 µs per
// OpenAI stream, 61 → 18 µs per Azure stream". Run: npx node bench/micro/stream-decoder.ts

import type { StreamSink } from '../../src/providers/adapter.ts';
import { OpenAIStreamDecoder } from '../../src/providers/openai/stream.ts';
import type { StreamMemo } from '../../src/providers/openai/stream.ts';
import { emulatorResponse } from './emulator-responses.ts';
import type { Cloud } from './emulator-responses.ts';
import { measure, report } from './timing.ts';

const sink: StreamSink = { write: () => true, onDrain: () => {} };
const identity = { provider: 'bench', model: 'gpt-4o-mini' };
/** Annotation fields that name nothing: the decoder then parses every chunk whole and passes nothing on. */
const wholeChunks = { prompt: [], choice: [] };

function decodeStream(chunks: readonly Buffer[], annotations: typeof wholeChunks | undefined, memo: StreamMemo | undefined): void {
  const decoder = new OpenAIStreamDecoder(sink, identity, annotations, memo);
  for (const chunk of chunks) decoder.push(chunk);
  const error = decoder.end();
  if (error !== undefined) throw error;
}

const timings = [];
for (const cloud of ['openai', 'azure-openai'] as const satisfies readonly Cloud[]) {
  const chunks = await emulatorResponse(cloud, true);
  // One memo per upstream, shared by its streams, as the adapter keeps it.
  const memo: StreamMemo = {};
  const events = Buffer.concat(chunks).toString().split('\n\n').filter((event) => event.startsWith('data:')).length;
  timings.push(
    measure(`${cloud}, ${events} events, every chunk parsed whole`, () => decodeStream(chunks, wholeChunks, undefined)),
    measure(`${cloud}, ${events} events, delta templates`, () => decodeStream(chunks, undefined, memo)),
  );
}
report('OpenAI-dialect stream decoder, per stream (emulator streams, one chunk per network read):', timings);
