import { apiError, FakeApi } from '../test/fake-api';
import { ApiClient, path } from './api-client';
import { ApiError } from './api-error';

describe('ApiClient', () => {
  it('sends the token, the query without empty values, and JSON bodies', async () => {
    const api = new FakeApi().on('GET', '/v1/apps/demo/clients', { body: { clients: [], nextCursor: null } });
    api.on('POST', '/v1/apps/demo/clients', { status: 201, body: { clientID: 'a' } });
    api.install();
    const client = new ApiClient('tok');
    await client.get(path`/v1/apps/${'demo'}/clients`, { search: '', limit: 50, cursor: undefined });
    await client.post('/v1/apps/demo/clients', { clientID: 'a' });
    expect(api.calls).toEqual([
      {
        method: 'GET',
        path: '/v1/apps/demo/clients',
        query: { limit: '50' },
        body: undefined,
        authorization: 'Bearer tok',
      },
      {
        method: 'POST',
        path: '/v1/apps/demo/clients',
        query: {},
        body: { clientID: 'a' },
        authorization: 'Bearer tok',
      },
    ]);
  });

  it('percent-encodes ids in paths (channel ids may hold #, $ and ,)', () => {
    expect(path`/v1/apps/${'a b'}/channels/${'dialog#alice,bob'}`).toBe(
      '/v1/apps/a%20b/channels/dialog%23alice%2Cbob',
    );
  });

  it("fails with the API's own code and message, naming the field", async () => {
    new FakeApi()
      .on(
        'POST',
        '/v1/apps/demo/channels',
        apiError(400, 'bad_request', 'channelID: must be 1-100 characters'),
      )
      .install();
    const err = await new ApiClient('tok').post('/v1/apps/demo/channels', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 400,
      code: 'bad_request',
      field: 'channelID',
      detail: 'must be 1-100 characters',
    });
  });

  it('ends the session on 401, and tells a network failure apart', async () => {
    new FakeApi().on('GET', '/v1/apps', apiError(401, 'unauthorized', 'token revoked')).install();
    const ended = jest.fn();
    await expect(new ApiClient('tok', ended).get('/v1/apps')).rejects.toMatchObject({ code: 'unauthorized' });
    expect(ended).toHaveBeenCalledTimes(1);
    globalThis.fetch = () => Promise.reject(new TypeError('Failed to fetch'));
    await expect(new ApiClient('tok', ended).get('/v1/apps')).rejects.toMatchObject({
      code: 'network',
      status: 0,
    });
    expect(ended).toHaveBeenCalledTimes(1);
  });
});
