import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as z from 'zod';
import { instanceFromSchema } from './json-schema-instance.ts';

describe('instanceFromSchema', () => {
  it('satisfies schemas produced by zod (checked by zod itself)', () => {
    const schemas = [
      z.object({ name: z.string(), age: z.number().int().min(18).max(120), active: z.boolean() }),
      z.object({ tags: z.array(z.string()).min(3).max(5), kind: z.enum(['b', 'a']) }).strict(),
      z.object({ when: z.iso.datetime(), mail: z.email(), id: z.uuid(), site: z.url() }),
      z.object({ code: z.string().min(20).max(25), short: z.string().max(3) }),
      z.object({ price: z.number().gt(10).lt(11), step: z.number().int().multipleOf(7).min(15) }),
      z.object({ maybe: z.union([z.null(), z.string()]), either: z.union([z.number(), z.string()]) }),
      z.object({ nested: z.object({ deep: z.object({ value: z.literal('fixed') }) }) }),
      z.object({ pair: z.tuple([z.string(), z.number()]) }),
      z.object({ optional: z.string().optional(), required: z.number() }),
      z.object({ first: z.object({ a: z.string() }).and(z.object({ b: z.number() })) }),
    ];
    for (const schema of schemas) {
      const jsonSchema = z.toJSONSchema(schema);
      const value = instanceFromSchema(jsonSchema);
      const result = schema.safeParse(value);
      assert.ok(result.success, `${JSON.stringify(jsonSchema)} → ${JSON.stringify(value)}: ${result.error?.message}`);
    }
  });

  it('resolves $ref into $defs, including recursive ones, and stops', () => {
    const schema = {
      type: 'object',
      properties: { root: { $ref: '#/$defs/node' } },
      required: ['root'],
      $defs: {
        node: {
          type: 'object',
          properties: { label: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } },
          required: ['label', 'children'],
        },
      },
    };
    const value = instanceFromSchema(schema) as { root: { label: string; children: unknown[] } };
    assert.equal(value.root.label, 'example label');
    assert.ok(Array.isArray(value.root.children));
    assert.ok(JSON.stringify(value).length < 10_000);
  });

  it('prefers const, enum and default, and names strings after their property', () => {
    assert.deepEqual(
      instanceFromSchema({
        type: 'object',
        properties: {
          fixed: { const: 7 },
          choice: { type: 'string', enum: ['x', 'y'] },
          preset: { type: 'integer', default: 5 },
          city: { type: 'string' },
          nothing: { type: 'null' },
        },
      }),
      { fixed: 7, choice: 'x', preset: 5, city: 'example city', nothing: null },
    );
    assert.deepEqual(instanceFromSchema({}), 'example value');
    assert.deepEqual(instanceFromSchema({ type: ['null', 'integer'] }), 1);
  });
});
