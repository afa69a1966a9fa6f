// Driver: a DID provider. Each export is called by
// POST /v1/drivers/did-driver/{function} with the JSON body as its argument.
// Written with `module.export`, the spelling of the ConnexCS documentation.

const tables = require('cxUserspace');

// @ts-ignore: module.export is the ConnexCS spelling of module.exports
module.export = {
  /** @param {{number: string}} args */
  search: async ({ number }) => [1, 2, 3].map((i) => ({ did: number + String(i).padStart(4, '0') })),

  /** @param {{did: string}} args */
  allocate: async ({ did }) => {
    if ((await tables.read('dids', did)) !== undefined) {
      throw new Error(did + ' is already allocated');
    }
    await tables.create('dids', did, { did, since: new Date().toISOString() });
    return { did, status: 'allocated' };
  },

  /** @param {{did: string}} args */
  release: async ({ did }) => {
    if ((await tables.read('dids', did)) === undefined) return false;
    await tables.delete('dids', did);
    return true;
  },

  list: async () => (await tables.list('dids')).map((/** @type {any} */ row) => ({ did: row.key })),
};
