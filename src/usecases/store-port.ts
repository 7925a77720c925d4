/** The record's port, gathered: its records, its outbox and delivery, its remediations, and the Store itself. */
export type { FindingChanges } from './scan-types.js';
export * from './store/delivery-control.js';
export * from './store/event-records.js';
export * from './store/key-history.js';
export * from './store/outbox-records.js';
export * from './store/record-reader.js';
export * from './store/records.js';
export * from './store/remediation-records.js';
export * from './store/security-hub-records.js';
export * from './store/store.js';
