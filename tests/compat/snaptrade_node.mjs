// The official snaptrade-typescript-sdk, unchanged, against brokerlink's sandbox.
// Run by scripts/compat-official-sdks with BASE_URL, CLIENT_ID and CONSUMER_KEY set, and the
// SDK installed in the folder given by SDK_DIR (never a brokerlink dependency).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.SDK_DIR, "package.json"));
const { Snaptrade, SnaptradeAuth } = require("snaptrade-typescript-sdk");

const { BASE_URL, CLIENT_ID, CONSUMER_KEY } = process.env;
const sdk = (consumerKey = CONSUMER_KEY) =>
  new Snaptrade({ auth: SnaptradeAuth.commercialApiKey({ consumerKey, clientId: CLIENT_ID }), basePath: BASE_URL });

async function completePortal(url) {
  const response = await fetch(`${BASE_URL}/_sandbox/portal/complete`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url, username: "user_good", password: "pass_good" }),
  });
  return response.json();
}

const st = sdk();
// Non-ASCII: this SDK signs and sends raw UTF-8.
const userId = `node-sdk-ñ-${randomUUID()}`;
const registered = await st.authentication.registerSnapTradeUser({ userId });
assert.equal(registered.status, 200);
assert.equal(registered.data.userId, userId);
const userSecret = registered.data.userSecret;

const login = await st.authentication.loginSnapTradeUser({ userId, userSecret, broker: "ROBINHOOD", connectionType: "trade" });
assert.match(login.data.redirectURI, /\/snapTrade\/redeemToken\?/);
const done = await completePortal(login.data.redirectURI);
assert.equal(done.status, "SUCCESS", JSON.stringify(done));

const listed = await st.connections.listBrokerageAuthorizations({ userId, userSecret });
assert.deepEqual(listed.data.map((c) => c.id), [done.connection_id]);
assert.equal(listed.data[0].type, "trade");

const detail = await st.connections.detailBrokerageAuthorization({ authorizationId: done.connection_id, userId, userSecret });
assert.equal(detail.data.brokerage.slug, "ROBINHOOD");

const accounts = await st.accountInformation.listUserAccounts({ userId, userSecret });
assert.equal(accounts.data.length, 2);

const legacyRemove = await st.connections.removeBrokerageAuthorization({ authorizationId: done.connection_id, userId, userSecret });
assert.equal(legacyRemove.status, 204);
const after = await st.connections.listBrokerageAuthorizations({ userId, userSecret });
assert.deepEqual(after.data, []);

await assert.rejects(sdk("not-the-consumer-key").authentication.listSnapTradeUsers(), (error) => error.status === 401);
console.log("typescript sdk: ok");
