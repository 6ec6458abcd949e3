// Known-answer vectors for crates/auth (support-auth), made and checked by the published
// better-auth packages themselves. Not a test file (CI does not run it): run it by hand
// when the vectors need regenerating or re-checking.
//
//   mkdir -p /tmp/ba && cd /tmp/ba && echo '{"private":true}' > package.json \
//     && npm install --no-save better-auth better-call
//   BA_DIR=/tmp/ba node tests/interop/betterauth-vectors.mjs
//
// It prints:
//   1. vectors made by better-auth / better-call (a password hash, a signed cookie and its
//      Set-Cookie headers, an id, a token hash) to paste into the Rust unit tests;
//   2. whether better-auth accepts the vectors the Rust crate makes (RUST_* below, copied
//      from the Rust tests): `verifyPassword` for the hash, `getSignedCookie` for the cookie.
// It exits non-zero if better-auth rejects a Rust vector or a constant below disagrees with
// the Rust tests' expectations.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const BA_DIR = process.env.BA_DIR ?? "/tmp/ba";
const require = createRequire(join(BA_DIR, "package.json"));
const load = async (spec) => {
	try {
		return await import(pathToFileURL(require.resolve(spec)).href);
	} catch (e) {
		console.error(`cannot load ${spec} from ${BA_DIR}: install better-auth there (see the header)`);
		throw e;
	}
};

const crypto = await load("better-auth/crypto"); // hashPassword, verifyPassword
const betterCall = await load("better-call"); // serializeSignedCookie, serializeCookie, createEndpoint
const { generateId } = await load("@better-auth/core/utils/id");
const { createHash } = await load("@better-auth/utils/hash");
const { base64Url } = await load("@better-auth/utils/base64");

// The inputs the Rust tests use.
const SECRET = "better-auth-secret-123456789-abcdefghij";
const BA_PASSWORD = "correct horse battery staple ﬁ";
const RUST_PASSWORD = "Tr0ub4dor&3 ﬁle ｆｕｌｌ";
const RUST_TOKEN = "rust.token-é~*";
// Copied from the Rust tests (crates/auth/src/password.rs, cookie.rs): what Rust makes.
const RUST_HASH =
	"737570706f72742d617574682d6b6174:47dd53d8901661b58fb8ea05b6080ac7dc08030a14d68cc179605d659bcd061e09d182ec31cb58520b2d7fb183520f595a7256832a7cc781a1a0c1a3ed00e7c6";
const RUST_VALUE = "rust.token-%C3%A9~*.Ud5YlPvD6offCsLXpnKWtPPFOBbLzoSM6UYJjgeSFj4%3D";

const version = (p) =>
	JSON.parse(readFileSync(join(BA_DIR, "node_modules", p, "package.json"), "utf8")).version;
console.log(
	`# better-auth ${version("better-auth")}, better-call ${version("better-call")}, ` +
		`@better-auth/utils ${version("@better-auth/utils")}, node ${process.version}`,
);

// 1. Vectors made by better-auth.
const baHash = await crypto.hashPassword(BA_PASSWORD);
const cookieName = "__Secure-better-auth.session_token";
// setSessionCookie: setSignedCookie(name, token, secret, { secure, sameSite: "lax", path: "/",
// httpOnly: true, maxAge: 7 days }) -> serializeSignedCookie.
const attrs = { secure: true, sameSite: "lax", path: "/", httpOnly: true };
let baToken;
let setCookie;
// Draw tokens until the signature has both `+` and `/` (about one in four), so the vector
// exercises their URL-encoding (%2B, %2F) as well as the padding `=` (%3D).
do {
	baToken = generateId(32); // createSession's `token: generateId(32)`
	setCookie = await betterCall.serializeSignedCookie(cookieName, baToken, SECRET, {
		...attrs,
		maxAge: 60 * 60 * 24 * 7,
	});
} while (!(setCookie.includes("%2B") && setCookie.includes("%2F")));
const bcValue = setCookie.slice(cookieName.length + 1, setCookie.indexOf(";"));
// expireCookie: setCookie(name, "", { ...attributes, maxAge: 0 }).
const clearCookie = betterCall.serializeCookie(cookieName, "", { ...attrs, maxAge: 0 });
const hashedToken = generateId(32);
// verification-token-storage.ts: base64Url.encode(SHA-256(identifier), { padding: false }).
const tokenHash = base64Url.encode(
	new Uint8Array(await createHash("SHA-256").digest(new TextEncoder().encode(hashedToken))),
	{ padding: false },
);
const out = {
	BA_HASH: baHash,
	BC_TOKEN: baToken,
	BC_VALUE: bcValue,
	BC_SET_COOKIE: setCookie,
	BC_CLEAR_COOKIE: clearCookie,
	BA_ID: generateId(),
	BA_HASHED_TOKEN: hashedToken,
	BA_TOKEN_HASH: tokenHash,
};
for (const [k, v] of Object.entries(out)) console.log(`${k} = ${JSON.stringify(v)}`);

// 2. better-auth checks what Rust made.
const getSignedCookie = betterCall.createEndpoint("/", { method: "GET", requireHeaders: true }, (c) =>
	c.getSignedCookie(cookieName, SECRET),
);
const checks = {
	"verifyPassword(RUST_HASH, RUST_PASSWORD)": await crypto.verifyPassword({
		hash: RUST_HASH,
		password: RUST_PASSWORD,
	}),
	"verifyPassword(RUST_HASH, NFKC form)": await crypto.verifyPassword({
		hash: RUST_HASH,
		password: "Tr0ub4dor&3 file full",
	}),
	"!verifyPassword(RUST_HASH, wrong)": !(await crypto.verifyPassword({
		hash: RUST_HASH,
		password: "Tr0ub4dor&3 fi1e full",
	})),
	"getSignedCookie(RUST_VALUE) === RUST_TOKEN":
		(await getSignedCookie({ headers: { cookie: `${cookieName}=${RUST_VALUE}` } })) === RUST_TOKEN,
	"verifyPassword(BA_HASH, BA_PASSWORD)": await crypto.verifyPassword({
		hash: baHash,
		password: BA_PASSWORD,
	}),
	"getSignedCookie(BC_VALUE) === BC_TOKEN":
		(await getSignedCookie({ headers: { cookie: `${cookieName}=${bcValue}` } })) === baToken,
};
let failed = 0;
for (const [name, ok] of Object.entries(checks)) {
	console.log(`${ok ? "ok  " : "FAIL"} ${name}`);
	if (!ok) failed++;
}
console.log(`${Object.keys(checks).length - failed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
