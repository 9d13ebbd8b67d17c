import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertResponseSchema, convertToGeminiSchema, convertToolParameters, isEmptyObjectSchema } from './convert-schema.ts';

/** Every keyword Vertex's `Schema` message knows: anything else in a converted schema would be a 400. */
const schemaFields = new Set([
  'type', 'format', 'title', 'description', 'nullable', 'enum', 'items', 'minItems', 'maxItems', 'properties', 'required',
  'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'anyOf', 'propertyOrdering',
]);

function assertOnlySchemaFields(schema: unknown, path = '$'): void {
  if (schema === null || typeof schema !== 'object') return;
  for (const [keyword, value] of Object.entries(schema)) {
    assert.ok(schemaFields.has(keyword), `${path}.${keyword} is not a Vertex Schema field`);
    if (keyword === 'properties') for (const [name, property] of Object.entries(value as object)) assertOnlySchemaFields(property, `${path}.properties.${name}`);
    if (keyword === 'items') assertOnlySchemaFields(value, `${path}.items`);
    if (keyword === 'anyOf') (value as unknown[]).forEach((branch, index) => assertOnlySchemaFields(branch, `${path}.anyOf[${index}]`));
  }
}

const convert = (schema: unknown) => convertToGeminiSchema(schema, false);

describe('convertToGeminiSchema: conversions', () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    [
      'types upper-cased, description and title kept, $schema and additionalProperties:false dropped',
      {
        $schema: 'http://json-schema.org/draft-07/schema#',
        title: 'Weather',
        type: 'object',
        properties: { city: { type: 'string', description: 'City name' }, days: { type: 'integer', minimum: 1, maximum: 14 } },
        required: ['city'],
        additionalProperties: false,
      },
      {
        type: 'OBJECT',
        title: 'Weather',
        properties: { city: { type: 'STRING', description: 'City name' }, days: { type: 'INTEGER', minimum: 1, maximum: 14 } },
        required: ['city'],
      },
    ],
    [
      'a type list with null → nullable',
      { type: 'object', properties: { note: { type: ['string', 'null'] } } },
      { type: 'OBJECT', properties: { note: { type: 'STRING', nullable: true } } },
    ],
    [
      'anyOf [X, null] (zod, pydantic) → X nullable, outer description kept',
      { type: 'object', properties: { tags: { description: 'Tags', anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }] } } },
      { type: 'OBJECT', properties: { tags: { type: 'ARRAY', description: 'Tags', nullable: true, items: { type: 'STRING' } } } },
    ],
    [
      'OpenAPI nullable kept',
      { type: 'object', properties: { n: { type: 'number', nullable: true } } },
      { type: 'OBJECT', properties: { n: { type: 'NUMBER', nullable: true } } },
    ],
    [
      'several types → anyOf, one branch each',
      { type: 'object', properties: { id: { type: ['string', 'integer'], description: 'Id' } } },
      { type: 'OBJECT', properties: { id: { description: 'Id', anyOf: [{ type: 'STRING' }, { type: 'INTEGER' }] } } },
    ],
    [
      'oneOf → anyOf, null branch → nullable',
      { type: 'object', properties: { v: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'null' }] } } },
      { type: 'OBJECT', properties: { v: { nullable: true, anyOf: [{ type: 'STRING' }, { type: 'NUMBER' }] } } },
    ],
    [
      'const string → one-value enum',
      { type: 'object', properties: { kind: { type: 'string', const: 'circle' } } },
      { type: 'OBJECT', properties: { kind: { type: 'STRING', enum: ['circle'] } } },
    ],
    [
      'const without a type → STRING enum',
      { type: 'object', properties: { kind: { const: 'square' } } },
      { type: 'OBJECT', properties: { kind: { type: 'STRING', enum: ['square'] } } },
    ],
    [
      'string enum with null → enum without null, nullable',
      { type: 'object', properties: { unit: { type: ['string', 'null'], enum: ['celsius', 'fahrenheit', null] } } },
      { type: 'OBJECT', properties: { unit: { type: 'STRING', nullable: true, enum: ['celsius', 'fahrenheit'] } } },
    ],
    [
      'non-string enum and const dropped, type kept',
      { type: 'object', properties: { level: { type: 'integer', enum: [1, 2, 3] }, on: { type: 'boolean', const: true } } },
      { type: 'OBJECT', properties: { level: { type: 'INTEGER' }, on: { type: 'BOOLEAN' } } },
    ],
    [
      'formats Vertex knows kept, others dropped',
      {
        type: 'object',
        properties: {
          at: { type: 'string', format: 'date-time' },
          site: { type: 'string', format: 'uri' },
          ratio: { type: 'number', format: 'double' },
          count: { type: 'integer', format: 'int64' },
        },
      },
      { type: 'OBJECT', properties: { at: { type: 'STRING', format: 'date-time' }, site: { type: 'STRING' }, ratio: { type: 'NUMBER', format: 'double' }, count: { type: 'INTEGER', format: 'int64' } } },
    ],
    [
      'string, array and object bounds kept; narrowing keywords Vertex lacks dropped',
      {
        type: 'object',
        minProperties: 1,
        maxProperties: 3,
        properties: {
          code: { type: 'string', minLength: 2, maxLength: 8, pattern: '^[A-Z]+$', default: 'AB' },
          list: { type: 'array', items: { type: 'number', exclusiveMinimum: 0, multipleOf: 0.5 }, minItems: 1, maxItems: 5, uniqueItems: true },
        },
      },
      {
        type: 'OBJECT',
        minProperties: 1,
        maxProperties: 3,
        properties: {
          code: { type: 'STRING', minLength: 2, maxLength: 8, pattern: '^[A-Z]+$' },
          list: { type: 'ARRAY', items: { type: 'NUMBER' }, minItems: 1, maxItems: 5 },
        },
      },
    ],
    [
      'required names that are not properties dropped, duplicates removed',
      { type: 'object', properties: { a: { type: 'string' } }, required: ['a', 'ghost', 'a'] },
      { type: 'OBJECT', properties: { a: { type: 'STRING' } }, required: ['a'] },
    ],
    [
      'a missing type inferred from properties and items',
      { properties: { list: { items: { type: 'string' } } } },
      { type: 'OBJECT', properties: { list: { type: 'ARRAY', items: { type: 'STRING' } } } },
    ],
    [
      '$ref into $defs inlined, siblings applied over the target',
      {
        type: 'object',
        properties: { home: { $ref: '#/$defs/Address', description: 'Home address' }, work: { $ref: '#/$defs/Address' } },
        $defs: { Address: { type: 'object', description: 'An address', properties: { street: { type: 'string' } }, required: ['street'] } },
      },
      {
        type: 'OBJECT',
        properties: {
          home: { type: 'OBJECT', description: 'Home address', properties: { street: { type: 'STRING' } }, required: ['street'] },
          work: { type: 'OBJECT', description: 'An address', properties: { street: { type: 'STRING' } }, required: ['street'] },
        },
      },
    ],
    [
      '$ref into definitions, through a chain of refs, with an escaped pointer',
      {
        type: 'object',
        properties: { p: { $ref: '#/definitions/a~1b' } },
        definitions: { 'a/b': { $ref: '#/definitions/Point' }, Point: { type: 'object', properties: { x: { type: 'number' } } } },
      },
      { type: 'OBJECT', properties: { p: { type: 'OBJECT', properties: { x: { type: 'NUMBER' } } } } },
    ],
    [
      'allOf merged: properties and required united',
      {
        type: 'object',
        properties: {
          pet: {
            allOf: [
              { $ref: '#/$defs/Named' },
              { type: 'object', properties: { age: { type: 'integer' }, name: { description: 'The name' } }, required: ['age'] },
            ],
          },
        },
        $defs: { Named: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
      },
      {
        type: 'OBJECT',
        properties: { pet: { type: 'OBJECT', properties: { name: { type: 'STRING', description: 'The name' }, age: { type: 'INTEGER' } }, required: ['name', 'age'] } },
      },
    ],
    [
      'a property that may not appear (false) is left out',
      { type: 'object', properties: { a: { type: 'string' }, legacy: false } },
      { type: 'OBJECT', properties: { a: { type: 'STRING' } } },
    ],
    [
      'anyOf of objects with shared siblings: siblings go into every branch',
      {
        type: 'object',
        properties: {
          shape: {
            description: 'A shape',
            type: 'object',
            anyOf: [
              { properties: { radius: { type: 'number' } }, required: ['radius'] },
              { properties: { side: { type: 'number' } }, required: ['side'] },
            ],
          },
        },
      },
      {
        type: 'OBJECT',
        properties: {
          shape: {
            description: 'A shape',
            anyOf: [
              { type: 'OBJECT', properties: { radius: { type: 'NUMBER' } }, required: ['radius'] },
              { type: 'OBJECT', properties: { side: { type: 'NUMBER' } }, required: ['side'] },
            ],
          },
        },
      },
    ],
  ];
  for (const [name, schema, expected] of cases) {
    it(name, () => {
      const converted = convert(schema);
      assert.deepEqual(converted, expected);
      assertOnlySchemaFields(converted);
    });
  }

  it('adds propertyOrdering in the client order when asked (response schemas)', () => {
    const schema = { type: 'object', properties: { zeta: { type: 'string' }, alpha: { type: 'object', properties: { b: { type: 'string' }, a: { type: 'string' } } } } };
    assert.deepEqual(convertToGeminiSchema(schema, true), {
      type: 'OBJECT',
      properties: { zeta: { type: 'STRING' }, alpha: { type: 'OBJECT', properties: { b: { type: 'STRING' }, a: { type: 'STRING' } }, propertyOrdering: ['b', 'a'] } },
      propertyOrdering: ['zeta', 'alpha'],
    });
    assert.equal(convertToGeminiSchema(schema, false)?.propertyOrdering, undefined);
  });

  it('does not change the client schema', () => {
    const schema = { type: 'object', properties: { a: { $ref: '#/$defs/A' } }, $defs: { A: { type: 'string', const: 'x' } } };
    const copy = structuredClone(schema);
    convert(schema);
    assert.deepEqual(schema, copy);
  });
});

describe('convertToGeminiSchema: schemas the OpenAPI subset cannot express', () => {
  const cases: Array<[string, unknown]> = [
    ['a recursive $ref', { type: 'object', properties: { node: { $ref: '#/$defs/Node' } }, $defs: { Node: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/$defs/Node' } } } } } }],
    ['a $ref to the root', { type: 'object', properties: { name: { type: 'string' }, parent: { $ref: '#' } } }],
    ['a $ref outside the document', { type: 'object', properties: { a: { $ref: 'https://example.com/schema.json' } } }],
    ['a $ref to nothing', { type: 'object', properties: { a: { $ref: '#/$defs/Missing' } } }],
    ['an allOf cycle', { type: 'object', properties: { a: { $ref: '#/$defs/A' } }, $defs: { A: { allOf: [{ $ref: '#/$defs/A' }] } } }],
    ['free-form keys (additionalProperties: true)', { type: 'object', properties: { meta: { type: 'object', additionalProperties: true } } }],
    ['a map (additionalProperties schema)', { type: 'object', properties: { scores: { type: 'object', additionalProperties: { type: 'number' } } } }],
    ['patternProperties', { type: 'object', properties: { env: { type: 'object', patternProperties: { '^[A-Z]+$': { type: 'string' } } } } }],
    ['a nested object without properties', { type: 'object', properties: { payload: { type: 'object' } } }],
    ['an array without items', { type: 'object', properties: { list: { type: 'array' } } }],
    ['tuple items', { type: 'object', properties: { pair: { type: 'array', items: [{ type: 'string' }, { type: 'number' }] } } }],
    ['prefixItems', { type: 'object', properties: { pair: { type: 'array', prefixItems: [{ type: 'string' }], items: { type: 'number' } } } }],
    ['a value of any type ({})', { type: 'object', properties: { value: {} } }],
    ['a value of any type (true)', { type: 'object', properties: { value: true } }],
    ['a description only', { type: 'object', properties: { value: { description: 'Anything' } } }],
    ['type null alone', { type: 'object', properties: { nothing: { type: 'null' } } }],
    ['an unknown type', { type: 'object', properties: { x: { type: 'any' } } }],
    ['not a schema', 'string'],
    ['a number enum without a type', { type: 'object', properties: { level: { enum: [1, 2] } } }],
  ];
  for (const [name, schema] of cases) {
    it(name, () => assert.equal(convert(schema), undefined));
  }

  it('schemas nested deeper than 32 levels', () => {
    let deep: Record<string, unknown> = { type: 'string' };
    for (let level = 0; level < 40; level++) deep = { type: 'object', properties: { next: deep } };
    assert.equal(convert(deep), undefined);
    let shallow: Record<string, unknown> = { type: 'string' };
    for (let level = 0; level < 10; level++) shallow = { type: 'object', properties: { next: shallow } };
    assert.notEqual(convert(shallow), undefined);
  });

  it('a $ref lattice that would inline past 5,000 nodes', () => {
    // Each level refers to the next twice: 2^20 nodes once inlined.
    const $defs: Record<string, unknown> = { L20: { type: 'string' } };
    for (let level = 19; level >= 0; level--) {
      $defs[`L${level}`] = { type: 'object', properties: { left: { $ref: `#/$defs/L${level + 1}` }, right: { $ref: `#/$defs/L${level + 1}` } } };
    }
    const started = performance.now();
    assert.equal(convert({ $ref: '#/$defs/L0', $defs }), undefined);
    assert.ok(performance.now() - started < 1000);
  });
});

describe('convertToolParameters', () => {
  it('sends no parameters for a function without arguments', () => {
    for (const schema of [undefined, {}, { type: 'object' }, { type: 'object', properties: {} }, { type: 'object', properties: {}, additionalProperties: false, required: [] }]) {
      assert.deepEqual(convertToolParameters(schema), {}, JSON.stringify(schema));
    }
  });

  it('sends `parameters` when the schema converts', () => {
    assert.deepEqual(convertToolParameters({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }), {
      parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] },
    });
  });

  it('sends the client schema untouched as `parametersJsonSchema` when it does not', () => {
    const schema = { type: 'object', properties: { tree: { $ref: '#' } } };
    const field = convertToolParameters(schema);
    assert.deepEqual(Object.keys(field), ['parametersJsonSchema']);
    assert.equal(field.parametersJsonSchema, schema);
  });

  it('free-form arguments go as JSON Schema', () => {
    const schema = { type: 'object', additionalProperties: true };
    assert.equal(isEmptyObjectSchema(schema), false);
    assert.deepEqual(convertToolParameters(schema), { parametersJsonSchema: schema });
  });
});

describe('convertResponseSchema', () => {
  it('sends `responseSchema` with the client property order when the schema converts', () => {
    assert.deepEqual(convertResponseSchema({ type: 'object', properties: { b: { type: 'string' }, a: { type: 'number' } }, required: ['b', 'a'], additionalProperties: false }), {
      responseSchema: { type: 'OBJECT', properties: { b: { type: 'STRING' }, a: { type: 'NUMBER' } }, required: ['b', 'a'], propertyOrdering: ['b', 'a'] },
    });
  });

  it('sends `responseJsonSchema` when it does not', () => {
    const schema = { type: 'object', properties: { scores: { type: 'object', additionalProperties: { type: 'number' } } } };
    assert.deepEqual(convertResponseSchema(schema), { responseJsonSchema: schema });
  });
});

describe('convertToGeminiSchema: fuzz', () => {
  /** mulberry32: a failure reproduces from its seed. */
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state + 0x6d2b79f5) | 0;
      let value = Math.imul(state ^ (state >>> 15), 1 | state);
      value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
      return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
    };
  }
  const keywords = ['type', 'properties', 'items', 'anyOf', 'oneOf', 'allOf', '$ref', 'enum', 'const', 'required', 'nullable', 'additionalProperties', 'format', 'description', 'minimum', 'prefixItems', '$defs'];
  const types = ['string', 'number', 'integer', 'boolean', 'array', 'object', 'null', 'weird'];

  function value(next: () => number, depth: number): unknown {
    const pick = next();
    if (depth > 4 || pick < 0.15) return [null, true, false, 0, -1, 'x', '#', '#/$defs/A', ['string', 'null'], []][Math.floor(next() * 10)];
    if (pick < 0.25) return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
    const schema: Record<string, unknown> = {};
    for (let count = Math.floor(next() * 5); count > 0; count--) {
      const keyword = keywords[Math.floor(next() * keywords.length)];
      if (keyword === 'type') schema.type = next() < 0.8 ? types[Math.floor(next() * types.length)] : [types[Math.floor(next() * types.length)], 'null'];
      else if (keyword === 'properties' || keyword === '$defs') schema[keyword] = { A: value(next, depth + 1), b: value(next, depth + 1) };
      else if (keyword === '$ref') schema.$ref = ['#', '#/$defs/A', '#/properties/A', '#/nope', 'http://x'][Math.floor(next() * 5)];
      else schema[keyword] = value(next, depth + 1);
    }
    return schema;
  }

  it('never throws, and whatever it converts uses only Vertex Schema fields', () => {
    const next = random(2024);
    let converted = 0;
    for (let round = 0; round < 3000; round++) {
      const schema = value(next, 0);
      let result: ReturnType<typeof convert>;
      assert.doesNotThrow(() => {
        result = convert(schema);
      }, JSON.stringify(schema));
      if (result! !== undefined) {
        converted++;
        assertOnlySchemaFields(result);
        assert.doesNotThrow(() => JSON.stringify(result));
      }
    }
    assert.ok(converted > 100, `only ${converted} random schemas converted`);
  });
});
