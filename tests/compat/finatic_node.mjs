// The official @finatic/client, unchanged, against brokerlink's sandbox (plain Node: everything
// but openPortal, which the browser tests cover). Run by scripts/compat-official-sdks with
// BASE_URL and API_KEY set and the package installed in SDK_DIR.
import assert from "node:assert/strict";
import path from "node:path";
import { pathToFileURL } from "node:url";

const { BASE_URL, API_KEY, SDK_DIR } = process.env;
const entry = path.join(SDK_DIR, "node_modules/@finatic/client/dist/index.mjs");
const { FinaticConnect } = await import(pathToFileURL(entry).href);
// init() is a singleton kept on the generated base class.
const singleton = Object.getPrototypeOf(FinaticConnect);
const config = { baseUrl: BASE_URL, retryCount: 0, logLevel: "silent" };

// The package logs whole responses (one-time token included) through console.debug.
for (const level of ["debug", "info", "log", "warn", "error"]) console[level] = () => {};
const report = (line) => process.stdout.write(`${line}\n`);

async function mintToken() {
  // What the partner's server does with its API key.
  const response = await fetch(`${BASE_URL}/api/v1/session/init`, { method: "POST", headers: { "X-API-Key": API_KEY } });
  const body = await response.json();
  return body.success.data.one_time_token;
}

const fin = await FinaticConnect.init(await mintToken(), undefined, config);
assert.ok(fin.getSessionId() && fin.getCompanyId());

const before = await fin.getBrokerConnections();
assert.equal(before.error, null);
assert.deepEqual(before.success.data, []);

const url = await fin.getPortalUrl({ brokers: ["robinhood"], mode: "dark" });
assert.ok(url.startsWith(`${BASE_URL}/portal?`), url);
const done = await (
  await fetch(`${BASE_URL}/_sandbox/portal/complete`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url, username: "user_good", password: "pass_good" }),
  })
).json();
assert.equal(done.status, "SUCCESS", JSON.stringify(done));

const after = await fin.getBrokerConnections();
assert.equal(after.error, null);
assert.deepEqual(after.success.data.map((c) => [c.id, c.broker_id, c.status]), [[done.connection_id, "robinhood", "active"]]);

const accounts = await fin.getAccounts({ limit: 1, offset: 0 });
assert.equal(accounts.error, null);
const firstPage = accounts.success.data.data ?? accounts.success.data;
assert.equal(firstPage.length, 1);

singleton.instance = null;
await assert.rejects(FinaticConnect.init("ott_not-a-real-token", undefined, config), (error) => error.response?.status === 401);
singleton.instance = null;

// A spent token is refused too.
const token = await mintToken();
await FinaticConnect.init(token, undefined, config);
singleton.instance = null;
await assert.rejects(FinaticConnect.init(token, undefined, config), (error) => error.response?.data?.error?.code === "TOKEN_USED");
report("@finatic/client: ok");
