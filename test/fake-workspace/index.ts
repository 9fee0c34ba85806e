/** The fake Databricks workspace: start it in-process, seed it, drive its faults. */
export { startFakeWorkspace, FakeWorkspaceServer } from './server';
export { defaultSeed, scaleSeed, DEMO, CLUSTERS, POOLS, POLICIES, WAREHOUSES, type ScaleSeedOptions } from './seed';
export * from './types';
