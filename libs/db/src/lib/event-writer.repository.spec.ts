import { rejectionOf } from './event-writer.repository';

/** Which failures isolate rows into dead letters and which mean "retry later". */
describe('rejectionOf', () => {
  const pgError = (code: string, message: string, detail?: string) =>
    Object.assign(new Error(message), { code, ...(detail ? { detail } : {}) });

  it('treats data exceptions, integrity violations and program limits as rejections of the rows', () => {
    expect(rejectionOf(pgError('22001', 'value too long for type character varying(50)'))).toBe(
      'rejected: 22001 value too long for type character varying(50)',
    );
    expect(
      rejectionOf(pgError('22P05', 'unsupported Unicode escape sequence', '\\u0000 cannot be converted')),
    ).toBe('rejected: 22P05 unsupported Unicode escape sequence (\\u0000 cannot be converted)');
    expect(rejectionOf(pgError('54000', 'index row size exceeds maximum'))).toMatch(/^rejected: 54000/);
    expect(rejectionOf(pgError('23503', 'violates foreign key constraint'))).toBe(
      'channel_not_found: violates foreign key constraint',
    );
  });

  it('reads Postgres errors wrapped by Prisma the same way', () => {
    const wrapped = {
      code: 'P2010',
      meta: { driverAdapterError: { cause: { originalCode: '22001', originalMessage: 'value too long' } } },
    };
    expect(rejectionOf(wrapped)).toBe('rejected: 22001 value too long');
  });

  it('never treats availability or schema problems as poison rows', () => {
    expect(
      rejectionOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    ).toBeNull();
    expect(rejectionOf(new Error('Connection terminated unexpectedly'))).toBeNull();
    expect(rejectionOf(pgError('57P01', 'terminating connection due to administrator command'))).toBeNull();
    expect(rejectionOf(pgError('40P01', 'deadlock detected'))).toBeNull();
    expect(rejectionOf(pgError('42P01', 'relation "events" does not exist'))).toBeNull();
    expect(rejectionOf(undefined)).toBeNull();
  });
});
