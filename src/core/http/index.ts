export * from './problem-details.filter';
export * from './validation';
export * from './logger';
export * from './limit-query.dto';
export * from './address-guard';
