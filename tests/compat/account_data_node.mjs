// The official snaptrade-typescript-sdk and brokerlink's Node package read the same accounts
// alike: positions, balances, orders and every page of activities (2,500 of them for
// user_history). Run by scripts/compat-official-sdks with BASE_URL, CLIENT_ID and CONSUMER_KEY
// set, the SDK in SDK_DIR, and brokerlink's addon built in bindings-node/.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(path.join(process.env.SDK_DIR, "package.json"));
const { Snaptrade, SnaptradeAuth } = require("snaptrade-typescript-sdk");
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const brokerlink = createRequire(import.meta.url)(path.join(root, "bindings-node"));

const { BASE_URL, CLIENT_ID, CONSUMER_KEY } = process.env;
// Pages the SDK loop may fetch before the test calls it endless.
const MAX_PAGES = 100;

// The SDK hands amounts over as JS numbers (or strings, for `format: decimal` fields);
// brokerlink as exact decimal strings. Both sides are compared as the numbers they denote.
const amount = (value) => (value == null ? null : Number(value));

async function completePortal(url, username) {
  const response = await fetch(`${BASE_URL}/_sandbox/portal/complete`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url, username, password: "pass_good" }),
  });
  return response.json();
}

async function sdkActivities(st, user, accountId) {
  const rows = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const { data } = await st.accountInformation.getAccountActivities({ ...user, accountId, offset: rows.length, limit: 1000 });
    rows.push(...data.data);
    if (data.data.length === 0 || rows.length >= data.pagination.total) return rows;
  }
  throw new Error("activities never ended");
}

async function compare(username) {
  const st = new Snaptrade({ auth: SnaptradeAuth.commercialApiKey({ consumerKey: CONSUMER_KEY, clientId: CLIENT_ID }), basePath: BASE_URL });
  const userId = `compat-data-node-${username}-${randomUUID()}`;
  const userSecret = (await st.authentication.registerSnapTradeUser({ userId })).data.userSecret;
  const login = await st.authentication.loginSnapTradeUser({ userId, userSecret, broker: "ALPACA" });
  assert.equal((await completePortal(login.data.redirectURI, username)).status, "SUCCESS");
  const sdkUser = { userId, userSecret };

  const client = brokerlink.Client.snaptrade({ clientId: CLIENT_ID, consumerKey: CONSUMER_KEY, baseUrl: BASE_URL });
  const accounts = (await st.accountInformation.listUserAccounts(sdkUser)).data;
  assert.deepEqual(accounts.map((a) => a.id), (await client.accounts(sdkUser)).map((a) => a.id));
  let compared = 0;
  for (const { id: accountId } of accounts) {
    const positions = (await st.accountInformation.getAllAccountPositions({ ...sdkUser, accountId })).data.results;
    const ours = await client.positions(sdkUser, accountId);
    assert.deepEqual(
      Object.fromEntries(positions.map((p) => [p.instrument.symbol, [amount(p.units), amount(p.price)]])),
      Object.fromEntries(ours.map((p) => [p.instrument.symbol, [amount(p.quantity), amount(p.price)]])),
    );
    compared += ours.length;

    const balances = (await st.accountInformation.getUserAccountBalance({ ...sdkUser, accountId })).data;
    assert.deepEqual(
      Object.fromEntries(balances.map((b) => [b.currency.code, [amount(b.cash), amount(b.buying_power)]])),
      Object.fromEntries((await client.balances(sdkUser, accountId)).map((b) => [b.currency, [amount(b.cash), amount(b.buyingPower)]])),
    );
    compared += balances.length;

    const orders = (await st.accountInformation.getUserAccountOrders({ ...sdkUser, accountId, state: "all", days: 90 })).data;
    const ourOrders = await client.orders(sdkUser, accountId, { state: "all", days: 90 });
    assert.deepEqual(
      Object.fromEntries(orders.map((o) => [o.brokerage_order_id, [o.status, amount(o.total_quantity)]])),
      Object.fromEntries(ourOrders.map((o) => [o.id, [o.rawStatus, amount(o.quantity)]])),
    );
    compared += ourOrders.length;

    const theirs = await sdkActivities(st, sdkUser, accountId);
    const rows = await client.activities(sdkUser, accountId);
    assert.deepEqual(theirs.map((a) => a.id), rows.map((a) => a.id), "the same rows, in the same order");
    assert.deepEqual(theirs.map((a) => [amount(a.amount), a.type]), rows.map((a) => [amount(a.amount), a.rawType]));
    compared += rows.length;
  }
  return compared;
}

const rows = (await compare("user_good")) + (await compare("user_history"));
console.log(`account data, official TypeScript SDK vs brokerlink: ${rows} rows agree`);
