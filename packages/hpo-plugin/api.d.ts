export * from './dist/api';
