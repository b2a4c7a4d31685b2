// viem against `cloudless devnode`: event, block and pending-transaction filters polled with
// getFilterChanges, watchBlockNumber polling, uninstallFilter, and multicall through the
// predeployed Multicall3. Sends from an unlocked dev account (viem's JSON-RPC account, so the
// node signs).
//
// Usage: node viem_filters.mjs RPC_URL DEV_ACCOUNT STORE_ADDRESS
// Prints one JSON object with what it saw; numbers are decimal strings.

import { createPublicClient, createWalletClient, http, parseAbi } from 'viem';

const [url, account, store] = process.argv.slice(2);
if (!store) {
  console.error('usage: node viem_filters.mjs RPC_URL DEV_ACCOUNT STORE_ADDRESS');
  process.exit(64);
}
// A node that never answers must not hang the test that runs this.
setTimeout(() => {
  console.error('viem_filters: gave up after 60 s');
  process.exit(2);
}, 60_000).unref();

const abi = parseAbi(['function set(uint256 value)', 'event Set(uint256 value)']);
const transport = http(url);
const client = createPublicClient({ transport, pollingInterval: 20 });
const wallet = createWalletClient({ account, transport });
const set = async (value) => {
  const hash = await wallet.writeContract({
    address: store,
    abi,
    functionName: 'set',
    args: [value],
    chain: null,
  });
  await client.waitForTransactionReceipt({ hash });
  return hash;
};

const events = await client.createEventFilter({ address: store, event: abi[1] });
const blocks = await client.createBlockFilter();
const transactions = await client.createPendingTransactionFilter();

const sent = await set(7n);
const logs = await client.getFilterChanges({ filter: events });
const filterLogs = await client.getFilterLogs({ filter: events });
const newBlocks = await client.getFilterChanges({ filter: blocks });
const newTransactions = await client.getFilterChanges({ filter: transactions });

// watchBlockNumber polls eth_blockNumber: it sees the head, then the block mined after it.
const watched = await new Promise((resolve, reject) => {
  let from;
  const unwatch = client.watchBlockNumber({
    poll: true,
    emitOnBegin: true,
    onError: reject,
    onBlockNumber: (number) => {
      if (from === undefined) {
        from = number;
        set(8n).catch(reject);
      } else if (number > from) {
        unwatch();
        resolve({ from, to: number });
      }
    },
  });
});

const uninstalled = await client.uninstallFilter({ filter: events });
let afterUninstall = 'no error';
try {
  await client.getFilterChanges({ filter: events });
} catch (error) {
  afterUninstall = error.details;
}

const multicallAbi = parseAbi([
  'function getChainId() view returns (uint256)',
  'function getEthBalance(address addr) view returns (uint256)',
]);
const multicall3 = '0xcA11bde05977b3631167028862bE2a173976CA11';
const multicalled = await client.multicall({
  multicallAddress: multicall3,
  contracts: [
    { address: multicall3, abi: multicallAbi, functionName: 'getChainId' },
    { address: multicall3, abi: multicallAbi, functionName: 'getEthBalance', args: [account] },
  ],
});

const decoded = (list) =>
  list.map((log) => ({ value: log.args.value, transactionHash: log.transactionHash }));
const seen = {
  sent,
  logs: decoded(logs),
  filterLogs: decoded(filterLogs),
  blocks: newBlocks,
  transactions: newTransactions,
  watched,
  uninstalled,
  afterUninstall,
  multicalled,
  chainId: await client.getChainId(),
  balance: await client.getBalance({ address: account }),
};
console.log(JSON.stringify(seen, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
