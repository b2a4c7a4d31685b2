// ethers 6 against `cloudless devnode`: the chain id from JsonRpcProvider, a transaction signed
// locally by a Wallet, a JSON-RPC signer for an unlocked dev account (eth_sendTransaction,
// eth_signTransaction then eth_sendRawTransaction, personal_sign),
// `contract.on('Set')` over HTTP (eth_newFilter + eth_getFilterChanges) and over WebSocket
// (eth_subscribe), estimateGas, getLogs with a filter, and revert reasons decoded from eth_call
// and eth_estimateGas errors.
//
// Usage: node ethers_client.mjs RPC_URL WS_URL DEV_ACCOUNT DEV_PRIVATE_KEY STORE_ADDRESS REVERTER
// DEV_ACCOUNT is sent from by the node (unlocked); DEV_PRIVATE_KEY is another dev account's key,
// signed with here. REVERTER reverts every call with `Error(reason)`.
// Prints one JSON object with what it saw; numbers are decimal strings.

import {
  Contract,
  JsonRpcProvider,
  Wallet,
  WebSocketProvider,
  ZeroAddress,
  verifyMessage,
} from 'ethers';

const [url, wsUrl, account, key, storeAddress, reverterAddress] = process.argv.slice(2);
if (!reverterAddress) {
  console.error(
    'usage: node ethers_client.mjs RPC_URL WS_URL DEV_ACCOUNT DEV_PRIVATE_KEY STORE_ADDRESS REVERTER',
  );
  process.exit(64);
}
// A node that never answers must not hang the test that runs this.
setTimeout(() => {
  console.error('ethers_client: gave up after 60 s');
  process.exit(2);
}, 60_000).unref();

// ethers reports errors of its background pollers (a filter it cannot read, an answer it cannot
// coalesce) with console.log and carries on: keep them for the output instead of losing them.
const clientErrors = [];
console.log = (...args) => clientErrors.push(args.map(String).join(' '));

// `Base` that resolves `installed(method)` once a call of `method` has been answered: ethers
// installs a contract's filter or subscription in the background, after `contract.on` returns.
const watching = (Base) =>
  class extends Base {
    #answered = new Map();

    installed(method) {
      return this.#entry(method).promise;
    }

    async send(method, params) {
      const result = await super.send(method, params);
      this.#entry(method).resolve();
      return result;
    }

    #entry(method) {
      if (!this.#answered.has(method)) {
        let resolve;
        const promise = new Promise((r) => (resolve = r));
        this.#answered.set(method, { promise, resolve });
      }
      return this.#answered.get(method);
    }
  };

const abi = ['function set(uint256 value)', 'event Set(uint256 value)'];
// ethers answers a repeated request from a 250 ms cache; a dev node mines at once, so a second
// transaction would get the first one's nonce from it.
const provider = new (watching(JsonRpcProvider))(url, undefined, {
  cacheTimeout: -1,
  pollingInterval: 20,
});
const wallet = new Wallet(key, provider);
const signer = await provider.getSigner(account);
const store = new Contract(storeAddress, abi, wallet);

// Listens for `Set` on `contract` and waits for `install` to be answered. Returns `all`, which
// resolves once `count` events ({value, transactionHash}) have arrived (the list keeps any that
// follow before `stop`), and `stop`.
const collect = async (contract, count, install) => {
  const seen = [];
  let done;
  const all = new Promise((resolve) => (done = resolve));
  await contract.on('Set', (value, event) => {
    seen.push({ value, transactionHash: event.log.transactionHash });
    if (seen.length === count) {
      done(seen);
    }
  });
  await install;
  return { all, stop: () => contract.off('Set') };
};

// Mines `tx` (a pending ContractTransactionResponse or TransactionResponse); its receipt.
const mined = async (tx) => await (await tx).wait();

const chainId = (await provider.getNetwork()).chainId;

// A transfer signed here, then Store.set from both senders, watched over HTTP.
const transfer = await mined(wallet.sendTransaction({ to: account, value: 5n }));
// The node signs for its account without sending (eth_signTransaction); ethers sends it raw.
const relayed = await mined(
  provider.broadcastTransaction(await signer.signTransaction({ to: wallet.address, value: 9n })),
);
const messageSigner = verifyMessage('hello', await signer.signMessage('hello'));
const overHttp = await collect(store, 2, provider.installed('eth_newFilter'));
const first = await mined(store.set(1n));
const second = await mined(store.connect(signer).set(2n));
const httpEvents = await overHttp.all;
await overHttp.stop();

// estimateGas, then the same call mined.
const estimates = {
  transfer: await provider.estimateGas({ from: account, to: ZeroAddress, value: 1n }),
  set: await store.set.estimateGas(3n),
};
const third = await mined(store.set(3n));

// Logs by address and topic, raw and decoded.
const setTopic = store.interface.getEvent('Set').topicHash;
const logs = await provider.getLogs({ address: storeAddress, topics: [setTopic], fromBlock: 0 });
const queried = await store.queryFilter('Set', 0);

// Revert reasons, as ethers decodes them.
const reverter = new Contract(reverterAddress, ['function poke()'], wallet);
const reverted = async (attempt) => {
  try {
    await attempt();
    return 'no error';
  } catch (error) {
    return { code: error.code, reason: error.reason, revert: error.revert };
  }
};
const reverts = {
  call: await reverted(() => reverter.poke.staticCall()),
  estimateGas: await reverted(() => reverter.poke.estimateGas()),
  send: await reverted(() => reverter.poke()),
};

// A method the node lacks: ethers names it an unsupported operation only in geth's words.
const unsupported = async (on) => {
  try {
    await on.send('eth_noSuchMethod', []);
    return 'no error';
  } catch (error) {
    return { code: error.code, operation: error.operation };
  }
};
const unknownMethod = await unsupported(provider);

// The same subscription over WebSocket.
const ws = new (watching(WebSocketProvider))(wsUrl);
const watched = new Contract(storeAddress, abi, ws);
const overWebSocket = await collect(watched, 1, ws.installed('eth_subscribe'));
const fourth = await mined(store.set(4n));
const overWs = {
  chainId: (await ws.getNetwork()).chainId,
  events: await overWebSocket.all,
  sent: fourth.hash,
  unknownMethod: await unsupported(ws),
};
await overWebSocket.stop();
await ws.destroy();
provider.destroy();

const receipt = (r) => ({ hash: r.hash, status: r.status, from: r.from, gasUsed: r.gasUsed });
const seen = {
  chainId,
  wallet: wallet.address,
  transfer: { ...receipt(transfer), to: transfer.to, type: transfer.type },
  relayed: { ...receipt(relayed), to: relayed.to },
  messageSigner,
  sets: [first, second, third].map(receipt),
  httpEvents,
  estimates,
  logs: logs.map((log) => ({ data: log.data, transactionHash: log.transactionHash })),
  queried: queried.map((event) => ({
    value: event.args.value,
    transactionHash: event.transactionHash,
  })),
  reverts,
  unknownMethod,
  overWs,
  clientErrors,
};
process.stdout.write(
  `${JSON.stringify(seen, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`,
);
process.exit(0);
