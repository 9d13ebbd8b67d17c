import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGatewayError } from '../../errors/index.ts';
import { azureAnnotations } from '../azure-openai/index.ts';
import { parseUpstreamJson } from '../http/parse-upstream-json.ts';
import type { UpstreamIdentity } from '../http/transport-error.ts';
import { createAnnotationStripper, removeAnnotations } from './annotation-stripper.ts';

const identity: UpstreamIdentity = { provider: 'azure-test', model: 'gpt-4o-mini' };

const choiceFilter =
  '{"hate":{"filtered":false,"severity":"safe"},"protected_material_code":{"filtered":false,"detected":false},' +
  '"protected_material_text":{"filtered":false,"detected":false},"self_harm":{"filtered":false,"severity":"safe"},' +
  '"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}';
const promptFilter =
  '[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},' +
  '"jailbreak":{"filtered":false,"detected":false},"self_harm":{"filtered":false,"severity":"safe"},' +
  '"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}]';

/** An Azure chat completion in Azure's (alphabetical) key order, as its emulator and the service send it. */
function azureBody(content: string, options: { choiceFilter?: string; promptFilter?: string; id?: string } = {}): string {
  return (
    `{"choices":[{"content_filter_results":${options.choiceFilter ?? choiceFilter},"finish_reason":"stop","index":0,` +
    `"logprobs":null,"message":{"annotations":[],"content":${JSON.stringify(content)},"refusal":null,"role":"assistant"}}],` +
    `"created":1795302944,"id":"${options.id ?? 'chatcmpl-1'}","model":"gpt-4o-mini-2024-07-18","object":"chat.completion",` +
    `"prompt_filter_results":${options.promptFilter ?? promptFilter},"system_fingerprint":"fp_1ca16a5e56",` +
    `"usage":{"completion_tokens":29,"prompt_tokens":53,"total_tokens":82}}`
  );
}

/** What a body means without annotations: parsed whole, then the annotations dropped. */
function reference(text: string): { value: unknown } | { error: string } {
  try {
    const parsed = parseUpstreamJson(text, identity);
    removeAnnotations(parsed, azureAnnotations);
    return { value: JSON.parse(JSON.stringify(parsed)) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function stripped(stripper: ReturnType<typeof createAnnotationStripper>, text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(JSON.stringify(stripper.parse(Buffer.from(text), identity))) };
  } catch (error) {
    assert.ok(isGatewayError(error), `a ${(error as Error).name} instead of a GatewayError`);
    assert.equal(error.code, 'upstream_error');
    return { error: error.message };
  }
}

/** A stripper that has parsed one plain Azure body whole (and so remembers both annotation members). */
function taughtStripper() {
  const stripper = createAnnotationStripper(azureAnnotations);
  stripper.parse(Buffer.from(azureBody('first')), identity);
  assert.deepEqual(stripper.counts, { cut: 0, whole: 1 });
  return stripper;
}

describe('createAnnotationStripper', () => {
  it('drops both annotations, and cuts them from the text once it has seen them', () => {
    const stripper = createAnnotationStripper(azureAnnotations);
    for (const content of ['one', 'two "quoted" \u2028 é 🙂', '']) {
      const text = azureBody(content, { id: `chatcmpl-${content.length}` });
      const result = stripper.parse(Buffer.from(text), identity) as Record<string, unknown>;
      assert.deepEqual(JSON.parse(JSON.stringify(result)), (reference(text) as { value: unknown }).value);
      assert.equal(JSON.stringify(result).includes('filter_results'), false);
      assert.equal((result.choices as Array<{ message: { content: string } }>)[0].message.content, content);
    }
    assert.deepEqual(stripper.counts, { cut: 2, whole: 1 });
  });

  it('parses whole, and learns again, when the annotations differ from the remembered ones', () => {
    const stripper = taughtStripper();
    const filtered = choiceFilter.replace('"hate":{"filtered":false,"severity":"safe"}', '"hate":{"filtered":false,"severity":"low"}');
    const text = azureBody('x', { choiceFilter: filtered });
    assert.deepEqual(stripped(stripper, text), reference(text));
    // The prompt member still matched and was cut; the choice member was parsed and dropped.
    assert.deepEqual(stripper.counts, { cut: 1, whole: 1 });
    const other = azureBody('y', { choiceFilter: filtered, promptFilter: '[]' });
    assert.deepEqual(stripped(stripper, other), reference(other));
    assert.deepEqual(stripped(stripper, other), reference(other));
    // Neither member matched: parsed whole, and both learned for the next body.
    assert.deepEqual(stripper.counts, { cut: 2, whole: 2 });
  });

  it('never parses a malformed body that the whole parse refuses, and fails it with the same message', () => {
    const stripper = taughtStripper();
    const opening = '{"choices":[{';
    const member = `"content_filter_results":${choiceFilter},`;
    const malformed = [
      // The choice member followed by the end of the object: cutting it would leave `{}`.
      `${opening}${member}}],"prompt_filter_results":${promptFilter}}`,
      // A trailing comma after the prompt member.
      azureBody('a').replace(`"prompt_filter_results":${promptFilter},`, `"prompt_filter_results":${promptFilter},}`),
      // The prompt member's comma inside a string.
      azureBody('a').replace('"object":"chat.completion",', `"object":"chat.completion,"prompt_filter_results":${promptFilter}",`),
      azureBody('a').slice(0, -1),
      `${azureBody('a')}x`,
    ];
    for (const text of malformed) {
      const expected = reference(text);
      assert.ok('error' in expected, `the reference accepts ${text}`);
      assert.deepEqual(stripped(stripper, text), expected);
    }
  });

  it('leaves a member it finds anywhere but its own place to the whole parse', () => {
    const stripper = taughtStripper();
    const nested = `,"prompt_filter_results":${promptFilter}`;
    const bodies = [
      // The prompt member only inside another object: the top level has none.
      azureBody('a').replace(`,"prompt_filter_results":${promptFilter}`, '').replace('"usage":{', `"usage":{"x":1${nested},`),
      // Inside another object and at the top level.
      azureBody('a').replace('"usage":{', `"usage":{"x":1${nested},`),
      // The top-level key spelled with an escape, and the remembered member nested.
      azureBody('a')
        .replace(`,"prompt_filter_results":${promptFilter}`, ',"prompt\\u005ffilter_results":[]')
        .replace('"usage":{', `"usage":{"x":1${nested},`),
      // The choice member anywhere but first in the first choice.
      azureBody('a').replace(`{"content_filter_results":${choiceFilter},"finish_reason":"stop",`, `{"finish_reason":"stop","content_filter_results":${choiceFilter},`),
      // A nested member before the top-level one, which holds another value.
      azureBody('a')
        .replace(`,"prompt_filter_results":${promptFilter}`, ',"prompt_filter_results":"other"')
        .replace('"finish_reason":"stop",', `"finish_reason":"stop","x":{"y":1${nested}},`),
      // A nested member before the top-level one, which holds the same value.
      azureBody('a').replace('"finish_reason":"stop",', `"finish_reason":"stop","x":{"y":1${nested}},`),
      // The key twice at the top level: the last one wins, as in a whole parse.
      azureBody('a').replace('"system_fingerprint"', `"prompt_filter_results":{"kept":true},"system_fingerprint"`),
    ];
    for (const text of bodies) {
      const expected = reference(text);
      assert.ok('value' in expected, `the reference refuses ${text}`);
      assert.deepEqual(stripped(stripper, text), expected, text);
    }
    assert.equal(JSON.stringify((stripped(stripper, bodies[0]) as { value: { usage: unknown } }).value.usage).includes('prompt_filter_results'), true);
  });

  it('means what the whole parse means for any edit of a body, valid or not (seeded mutations)', () => {
    const stripper = taughtStripper();
    const base = azureBody('Hello! You said: "hi".');
    const pieces = ['"', ',', '}', ']', '{', '[', ':', '\\', ' ', '0', 'x', '"prompt_filter_results":', ',"content_filter_results":'];
    let seed = 0x2f6e2b1;
    const random = (below: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % below;
    };
    let accepted = 0;
    for (let round = 0; round < 3000; round++) {
      let text = base;
      for (let edit = 1 + random(2); edit > 0; edit--) {
        const at = random(text.length + 1);
        const kind = random(3);
        if (kind === 0) text = text.slice(0, at) + text.slice(at + 1 + random(8));
        else if (kind === 1) text = text.slice(0, at) + pieces[random(pieces.length)] + text.slice(at);
        else text = text.slice(0, at) + pieces[random(pieces.length)] + text.slice(at + 1);
      }
      const expected = reference(text);
      if ('value' in expected) accepted++;
      assert.deepEqual(stripped(stripper, text), expected, text);
    }
    // The mutations must reach both outcomes for the comparison to mean anything.
    assert.ok(accepted > 100 && accepted < 2900, `${accepted} of 3000 mutated bodies were valid`);
    assert.ok(stripper.counts.cut > 100, `only ${stripper.counts.cut} bodies were read with a cut`);
  });

  it('with no annotation fields, parses every body whole', () => {
    const stripper = createAnnotationStripper({ prompt: [], choice: [] });
    const text = azureBody('a');
    assert.deepEqual(stripper.parse(Buffer.from(text), identity), JSON.parse(text));
    assert.deepEqual(stripper.parse(Buffer.from(text), identity), JSON.parse(text));
    assert.deepEqual(stripper.counts, { cut: 0, whole: 2 });
  });
});
