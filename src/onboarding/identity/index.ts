/** The identity & network domain: SP lifecycle, secrets, rotation, IP allow list, audit, emergency. */
export * from './result';
export * from './sealedSecret';
export * from './servicePrincipals';
export * from './secrets';
export * from './rotation';
export * from './ipAddresses';
export * from './ipAllowList';
export * from './audit';
export * from './jobAclScan';
export * from './emergency';
export * from './checklist';
export * from './tokenProbe';
export * from './ledgerRevoker';
