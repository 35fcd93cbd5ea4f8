// The dashboard's API types (apps/dashboard/src/api/schema.gen.ts) are generated from admin-api's
// /v1 OpenAPI document. This test fails when the document changed without them;
// `UPDATE_API_TYPES=1 npx jest -c jest.unit.config.ts tools/openapi-types` rewrites the file.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApi } from '../../apps/admin-api/src/v1/openapi';
import { openApiTypes } from './openapi-types';

const FILE = join(__dirname, '../../apps/dashboard/src/api/schema.gen.ts');
const HEADER =
  '// Generated from the admin-api /v1 OpenAPI document by tools/openapi-types; do not edit.\n' +
  '// Regenerate: UPDATE_API_TYPES=1 npx jest -c jest.unit.config.ts tools/openapi-types\n';

it('the dashboard API types match the /v1 OpenAPI document', () => {
  const expected = openApiTypes(buildOpenApi(), HEADER);
  if (process.env['UPDATE_API_TYPES'] === '1') writeFileSync(FILE, expected);
  expect(readFileSync(FILE, 'utf8')).toBe(expected);
});

describe('openApiTypes', () => {
  it('declares objects, optional fields, records, unions, enums, nullables and references', () => {
    const doc = {
      components: {
        schemas: {
          Mode: { type: 'string', enum: ['a', 'b'] },
          Thing: {
            description: 'A thing.',
            type: 'object',
            properties: {
              id: { type: 'string', description: 'Its id.' },
              count: { type: 'integer' },
              mode: { anyOf: [{ $ref: '#/components/schemas/Mode' }, { type: 'null' }] },
              tags: { type: 'array', items: { type: 'string' } },
              byKey: { type: 'object', additionalProperties: { type: 'boolean' } },
              ok: { const: true },
              any: {},
            },
            required: ['id', 'mode', 'ok'],
          },
        },
      },
    };
    expect(openApiTypes(doc, '// h\n')).toBe(
      [
        '// h\n',
        "export type Mode = 'a' | 'b';\n",
        '/** A thing. */\nexport type Thing = {\n' +
          '  /** Its id. */\n  id: string;\n' +
          '  count?: number;\n' +
          '  mode: Mode | null;\n' +
          '  tags?: string[];\n' +
          '  byKey?: {\n    [key: string]: boolean;\n  };\n' +
          '  ok: true;\n' +
          '  any?: unknown;\n' +
          '};\n',
      ].join('\n'),
    );
  });

  it('refuses a schema it cannot express', () => {
    expect(() => openApiTypes({ components: { schemas: { X: { type: 'date' } } } }, '')).toThrow(
      /unsupported schema/,
    );
  });
});
