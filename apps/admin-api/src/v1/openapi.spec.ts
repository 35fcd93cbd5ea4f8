import { buildOpenApi, V1_ROUTES } from './openapi';

type Doc = {
  openapi: string;
  paths: Record<
    string,
    Record<string, { responses: Record<string, unknown>; parameters: { name: string; in: string }[] }>
  >;
  components: { schemas: Record<string, unknown> };
};

describe('the /v1 OpenAPI document', () => {
  const doc = buildOpenApi() as unknown as Doc;
  const text = JSON.stringify(doc);

  it('is OpenAPI 3.1 and lists every route of the route table once', () => {
    expect(doc.openapi).toBe('3.1.0');
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m} ${path}`),
    );
    expect(listed.sort()).toEqual(V1_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('resolves every $ref to a component schema', () => {
    const refs = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(20);
    for (const r of refs) expect(doc.components.schemas).toHaveProperty(r);
    expect(text).not.toContain('#/$defs/');
  });

  it('declares each path placeholder as a path parameter and the error shape on every operation', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      const placeholders = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const op of Object.values(ops)) {
        expect(op.parameters.filter((p) => p.in === 'path').map((p) => p.name)).toEqual(placeholders);
        expect(op.responses).toHaveProperty('401');
        expect(op.responses).toHaveProperty('400');
      }
    }
  });

  it('documents the request fields the validators accept', () => {
    expect(doc.components.schemas['ChannelCreate']).toMatchObject({
      properties: {
        channelID: { $ref: '#/components/schemas/ChannelID' },
        persistent: { type: 'boolean', default: false },
      },
      required: ['channelID'],
    });
    expect(doc.components.schemas['ChannelID']).toMatchObject({
      type: 'string',
      pattern: expect.any(String),
    });
  });
});
