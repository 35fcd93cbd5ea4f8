// jsdom with the fetch-era globals Node has and jsdom lacks (React Router's navigation builds
// `Request`s). Node's Request refuses jsdom's AbortSignal, so the router's signal is left out:
// component tests never abort a navigation.
const { TextDecoder, TextEncoder } = require('node:util');
const JSDOMEnvironment = require('jest-environment-jsdom').default;

class RequestWithoutSignal extends Request {
  constructor(input, init) {
    const { signal: _signal, ...rest } = init ?? {};
    super(input, rest);
  }
}

class DashboardEnvironment extends JSDOMEnvironment {
  constructor(...args) {
    super(...args);
    Object.assign(this.global, {
      Request: RequestWithoutSignal,
      Response,
      Headers,
      FormData,
      TextEncoder,
      TextDecoder,
      ReadableStream,
    });
  }
}

module.exports = DashboardEnvironment;
