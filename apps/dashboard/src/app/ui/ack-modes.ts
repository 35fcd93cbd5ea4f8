/** The ack modes, for selects (see docs/admin-api.md, "Ack mode"). */
export const ACK_MODES = [
  { value: 'queued', label: 'queued — acknowledged once in Redis on its way to Postgres' },
  { value: 'committed', label: 'committed — acknowledged once committed to Postgres' },
];
