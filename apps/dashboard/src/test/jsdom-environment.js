// jsdom with the fetch-era globals Node has and jsdom lacks (React Router's navigation builds
// `Request`s). The abort classes come from Node too, so a Request accepts the router's signals.
const { TextDecoder, TextEncoder } = require('node:util');
const JSDOMEnvironment = require('jest-environment-jsdom').default;

class DashboardEnvironment extends JSDOMEnvironment {
  constructor(...args) {
    super(...args);
    Object.assign(this.global, {
      Request,
      Response,
      Headers,
      FormData,
      AbortController,
      AbortSignal,
      TextEncoder,
      TextDecoder,
      ReadableStream,
    });
  }
}

module.exports = DashboardEnvironment;
