#!/usr/bin/env node
// node-opcua server on 127.0.0.1 for the interop run; stops after --duration seconds.
//
//   node node_server.js --port P --cert C.pem --key K.pem --uri URI --pki DIR [--duration S]
//
// Offers None and Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss in Sign and
// SignAndEncrypt. Unknown client certificates are accepted automatically (and copied into
// <pki>/trusted/certs). Prints "READY opc.tcp://127.0.0.1:P" when listening.
"use strict";
const { OPCUAServer, OPCUACertificateManager, SecurityPolicy, MessageSecurityMode, nodesets } = require("node-opcua");

function arg(name, def) {
    const i = process.argv.indexOf("--" + name);
    return i < 0 ? def : process.argv[i + 1];
}

(async () => {
    const port = parseInt(arg("port"), 10);
    const serverCertificateManager = new OPCUACertificateManager({
        rootFolder: arg("pki"),
        automaticallyAcceptUnknownCertificate: true,
    });
    await serverCertificateManager.initialize();
    const server = new OPCUAServer({
        port,
        host: "127.0.0.1",
        hostname: "127.0.0.1",
        certificateFile: arg("cert"),
        privateKeyFile: arg("key"),
        serverCertificateManager,
        securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256,
            SecurityPolicy.Aes128_Sha256_RsaOaep, SecurityPolicy.Aes256_Sha256_RsaPss],
        securityModes: [MessageSecurityMode.None, MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt],
        allowAnonymous: true,
        nodeset_filename: [nodesets.standard],
        serverInfo: { applicationUri: arg("uri"), applicationName: { text: "uasc interop node-opcua server" } },
    });
    await server.initialize();
    await server.start();
    console.log(`READY opc.tcp://127.0.0.1:${port}`);
    const stop = async () => { await server.shutdown(100); process.exit(0); };
    setTimeout(stop, parseFloat(arg("duration", "300")) * 1000);
    process.on("SIGTERM", stop);
})().catch((e) => { console.error("FATAL", e); process.exit(2); });
