export * from './event-bus.service';
export * from './events.module';
