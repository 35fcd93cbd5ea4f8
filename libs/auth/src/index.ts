export * from './lib/token-verifier';
export * from './lib/token-signer';
export * from './lib/access';
export * from './lib/channels-signature';
