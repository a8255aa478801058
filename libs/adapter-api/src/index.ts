export * from './adapter-api.module';
export * from './amqp-server';
export * from './hono-messages';
