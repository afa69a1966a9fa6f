// A DID driver written the way the ConnexCS docs write it: module.export.
const store = require('cxUserspace');

module.export = {
  search: async ({ number }) => [{ did: number + '0001' }, { did: number + '0002' }],
  allocate: async ({ did }) => {
    await store.create('dids', did, { did, allocated: true });
    return { did, status: 'allocated' };
  },
  release: async ({ did }) => {
    await store.delete('dids', did);
    return true;
  },
  list: async () => {
    const rows = await store.list('dids');
    return rows.map((r) => ({ did: r.key }));
  },
};
