export * from './workflow-definition';
export * from './workflow-plan';
export * from './definition-secrets';
