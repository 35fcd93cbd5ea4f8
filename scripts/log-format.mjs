// Turns the services' JSON log lines (pino) into one readable, coloured line each for `npm start`.
// The services always log JSON (what production collectors want); only this local console view
// changes. `LOG_FORMAT=json npm start` keeps the raw lines.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Fields shown in the line's head or dropped: the rest are appended as `key=value`. */
const SHOWN = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'service',
  'msg',
  'req',
  'res',
  'responseTime',
  'context',
]);

/**
 * Returns `format(line) → string`: a JSON log line becomes `HH:MM:SS.mmm LEVEL [context] message
 * key=value…`; an HTTP access line becomes `… METHOD url → status (N ms)`. Anything that is not a
 * JSON object is returned unchanged.
 */
export function createLogFormatter({ colorize = false } = {}) {
  const { prettyFactory } = require('pino-pretty');
  const pretty = prettyFactory({
    colorize,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: [...SHOWN].filter((k) => !['level', 'time', 'msg'].includes(k)).join(','),
    messageFormat: (log, messageKey) => {
      const context = typeof log.context === 'string' ? `[${log.context}] ` : '';
      const msg = log[messageKey] ?? '';
      const req = log.req;
      const res = log.res;
      if (req && typeof req === 'object' && res && typeof res === 'object') {
        return `${req.method} ${req.url} → ${res.statusCode} (${log.responseTime ?? '?'} ms)`;
      }
      return `${context}${msg}`;
    },
  });
  return (line) => {
    if (!line.startsWith('{')) return line;
    try {
      return pretty(JSON.parse(line)).replace(/\n$/, '');
    } catch {
      return line;
    }
  };
}
