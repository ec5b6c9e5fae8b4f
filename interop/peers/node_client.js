#!/usr/bin/env node
// node-opcua client for the interop run: for each policy and mode, opens a secure channel to
// --url and calls GetEndpoints on it (no session), then disconnects.
//
//   node node_client.js --url URL --policies A,B --modes Sign,SignAndEncrypt
//        --cert C.pem --key K.pem --uri URI --pki DIR [--renew 1]
//
// With --renew 1 the channel is kept until node-opcua has renewed its token by itself (at 75 %
// of the lifetime the server granted), and GetEndpoints is called again on the renewed channel.
//
// Prints "OK <policy> <mode> <n> endpoints" or "FAIL <policy> <mode> <error>" per combination
// (None once); exit 0 only if all succeeded. The server certificate is accepted automatically.
"use strict";
const { OPCUAClient, OPCUACertificateManager, SecurityPolicy, MessageSecurityMode } = require("node-opcua");

function arg(name, def) {
    const i = process.argv.indexOf("--" + name);
    return i < 0 ? def : process.argv[i + 1];
}
const timeoutMs = parseFloat(arg("timeout", "10")) * 1000;

function withTimeout(p, what) {
    let t;
    return Promise.race([p, new Promise((_, rej) => { t = setTimeout(() => rej(new Error("timeout " + what)), timeoutMs); })])
        .finally(() => clearTimeout(t));
}

async function one(certificateManager, policy, mode) {
    const client = OPCUAClient.create({
        applicationName: "uasc interop node-opcua client",
        applicationUri: arg("uri"),
        securityPolicy: SecurityPolicy[policy],
        securityMode: MessageSecurityMode[mode],
        certificateFile: arg("cert"),
        privateKeyFile: arg("key"),
        clientCertificateManager: certificateManager,
        endpointMustExist: false,
        connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    });
    try {
        await withTimeout(client.connect(arg("url")), "connect");
        const renewed = new Promise((resolve) => client.once("security_token_renewed", resolve));
        let endpoints = await withTimeout(client.getEndpoints(), "GetEndpoints");
        if (arg("renew") !== "1") return `${endpoints.length} endpoints`;
        await withTimeout(renewed, "token renewal");
        endpoints = await withTimeout(client.getEndpoints(), "GetEndpoints after renewal");
        return `${endpoints.length} endpoints, renewed`;
    } finally {
        try { await withTimeout(client.disconnect(), "disconnect"); } catch (e) { /* already reported */ }
    }
}

(async () => {
    const certificateManager = new OPCUACertificateManager({ rootFolder: arg("pki"), automaticallyAcceptUnknownCertificate: true });
    await certificateManager.initialize();
    let allOk = true;
    for (const p of arg("policies").split(",")) {
        for (const m of p === "None" ? ["None"] : arg("modes", "Sign,SignAndEncrypt").split(",")) {
            try {
                console.log(`OK ${p} ${m} ${await one(certificateManager, p, m)}`);
            } catch (e) {
                allOk = false;
                console.log(`FAIL ${p} ${m} ${String(e.message || e).replace(/\s+/g, " ").slice(0, 300)}`);
            }
        }
    }
    await certificateManager.dispose();
    process.exit(allOk ? 0 : 1);
})().catch((e) => { console.error("FATAL", e); process.exit(2); });
