import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { continuedBody, encodeInputItems } from './input-items.ts';

describe('encodeInputItems', () => {
  it('every neutral message as Responses input items', () => {
    const items = encodeInputItems([
      { role: 'system', content: 'Be brief.' },
      { role: 'developer', content: [{ type: 'text', text: 'Dev.' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look' },
          { type: 'image', source: { type: 'url', url: 'https://example.test/a.png' }, detail: 'low' },
          { type: 'image', source: { type: 'data', mediaType: 'image/png', data: 'AAAA' } },
        ],
      },
      { role: 'assistant', content: 'Calling.', toolCalls: [{ id: 'call_a', name: 'f', arguments: '{"x":1}' }, { id: 'call_b', name: 'g', arguments: '' }] },
      { role: 'tool', toolCallId: 'call_a', content: 'one' },
      { role: 'tool', toolCallId: 'call_b', content: [{ type: 'text', text: 'two' }] },
      { role: 'assistant', toolCalls: [{ id: 'call_c', name: 'h', arguments: '{}' }] },
      { role: 'assistant', refusal: 'No.' },
      { role: 'assistant', content: '' },
    ]);
    assert.deepEqual(items, [
      { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'Be brief.' }] },
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Dev.' }] },
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'Look' },
          { type: 'input_image', image_url: 'https://example.test/a.png', detail: 'low' },
          { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'auto' },
        ],
      },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Calling.', annotations: [] }] },
      { type: 'function_call', call_id: 'call_a', name: 'f', arguments: '{"x":1}' },
      { type: 'function_call', call_id: 'call_b', name: 'g', arguments: '' },
      { type: 'function_call_output', call_id: 'call_a', output: 'one' },
      { type: 'function_call_output', call_id: 'call_b', output: [{ type: 'input_text', text: 'two' }] },
      { type: 'function_call', call_id: 'call_c', name: 'h', arguments: '{}' },
      { type: 'message', role: 'assistant', content: [{ type: 'refusal', refusal: 'No.' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: '', annotations: [] }] },
    ]);
  });

  it('continuedBody: the stored conversation before the input as sent, without previous_response_id', () => {
    const history = [{ role: 'user' as const, content: 'first' }, { role: 'assistant' as const, content: 'answer' }];
    const prior = [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'first' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'answer', annotations: [] }] },
    ];
    const body = { model: 'm', previous_response_id: 'resp_1', input: 'next', metadata: { a: 'b' } };
    assert.deepEqual(continuedBody(body, history), { model: 'm', metadata: { a: 'b' }, input: [...prior, { type: 'message', role: 'user', content: 'next' }] });
    const items = [{ type: 'function_call_output', call_id: 'c', output: 'x', extra: 1 }];
    assert.deepEqual(continuedBody({ previous_response_id: 'resp_1', input: items }, history), { input: [...prior, ...items] });
    assert.equal(body.previous_response_id, 'resp_1', 'the client body is not changed');
  });
});
