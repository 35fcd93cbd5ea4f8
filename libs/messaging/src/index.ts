export * from './lib/messaging.options';
export * from './lib/messaging.module';
export * from './lib/channel-directory.service';
export * from './lib/channel-access.service';
export * from './lib/channel-gate.service';
export * from './lib/publish.service';
export * from './lib/history.service';
export * from './lib/window-mirror';
