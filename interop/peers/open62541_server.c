/* open62541 server on 127.0.0.1 for the interop run; stops after --duration seconds.
 *
 *   open62541_server --port P --cert C.der --key K.der --uri URI [--ecc DIR] [--ecc-policies A,B]
 *                    [--duration S] [--loglevel N]
 *
 * Offers None and Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss in Sign and
 * SignAndEncrypt with the RSA certificate; with --ecc, also each ECC policy of --ecc-policies
 * with the certificate of its curve, DIR/<curve>/cert.der and key.der (curve: nistP256,
 * nistP384, brainpoolP256r1, brainpoolP384r1, curve25519, curve448). Accepts every client
 * certificate (UA_CertificateGroup_AcceptAll).
 * Prints "READY opc.tcp://127.0.0.1:P" when listening. */
#include <open62541/plugin/accesscontrol_default.h>
#include <open62541/plugin/certificategroup_default.h>
#include <open62541/plugin/log_stdout.h>
#include <open62541/server.h>
#include <open62541/server_config_default.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile UA_Boolean running = true;
static void stop(int sig) { (void)sig; running = false; }

static UA_ByteString load(const char *path) {
    UA_ByteString bs = UA_BYTESTRING_NULL;
    FILE *f = fopen(path, "rb");
    if(!f) return bs;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    bs.data = (UA_Byte *)UA_malloc((size_t)n);
    bs.length = (size_t)n;
    if(fread(bs.data, 1, (size_t)n, f) != (size_t)n) UA_ByteString_clear(&bs);
    fclose(f);
    return bs;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef UA_StatusCode (*AddEcc)(UA_ServerConfig *, const UA_ByteString *, const UA_ByteString *);
struct EccDef { const char *policy; const char *curve; AddEcc add; };

/* Whether `name` is an item of the comma-separated `list`. */
static int listed(const char *list, const char *name) {
    size_t n = strlen(name);
    for(const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if(len == n && !strncmp(p, name, n)) return 1;
        if(!end) break;
        p = end + 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    int port = 4840, loglevel = 400;
    const char *certPath = NULL, *keyPath = NULL, *uri = NULL, *eccDir = NULL, *eccPolicies = "";
    double duration = 300;
    for(int i = 1; i + 1 < argc; i += 2) {
        if(!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
        else if(!strcmp(argv[i], "--cert")) certPath = argv[i + 1];
        else if(!strcmp(argv[i], "--key")) keyPath = argv[i + 1];
        else if(!strcmp(argv[i], "--uri")) uri = argv[i + 1];
        else if(!strcmp(argv[i], "--ecc")) eccDir = argv[i + 1];
        else if(!strcmp(argv[i], "--ecc-policies")) eccPolicies = argv[i + 1];
        else if(!strcmp(argv[i], "--duration")) duration = atof(argv[i + 1]);
        else if(!strcmp(argv[i], "--loglevel")) loglevel = atoi(argv[i + 1]);
        else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
    }
    if(!certPath || !keyPath || !uri) { fprintf(stderr, "--cert, --key and --uri are required\n"); return 2; }
    signal(SIGINT, stop);
    signal(SIGTERM, stop);
    UA_ByteString cert = load(certPath), key = load(keyPath);
    if(!cert.length || !key.length) { fprintf(stderr, "cannot read the certificate or key\n"); return 2; }

    UA_ServerConfig cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.logging = UA_Log_Stdout_new((UA_LogLevel)loglevel);
    UA_ServerConfig_setBasics_withPort(&cfg, (UA_UInt16)port);
    char url[128];
    snprintf(url, sizeof url, "opc.tcp://127.0.0.1:%d", port);
    UA_Array_delete(cfg.serverUrls, cfg.serverUrlsSize, &UA_TYPES[UA_TYPES_STRING]);
    cfg.serverUrls = UA_String_new();
    *cfg.serverUrls = UA_STRING_ALLOC(url);
    cfg.serverUrlsSize = 1;
    UA_String_clear(&cfg.applicationDescription.applicationUri);
    cfg.applicationDescription.applicationUri = UA_STRING_ALLOC(uri);
    UA_CertificateGroup_AcceptAll(&cfg.secureChannelPKI);
    UA_CertificateGroup_AcceptAll(&cfg.sessionPKI);
    UA_ServerConfig_addSecurityPolicyNone(&cfg, &cert);
    UA_ServerConfig_addSecurityPolicyBasic256Sha256(&cfg, &cert, &key);
    UA_ServerConfig_addSecurityPolicyAes128Sha256RsaOaep(&cfg, &cert, &key);
    UA_ServerConfig_addSecurityPolicyAes256Sha256RsaPss(&cfg, &cert, &key);
    struct EccDef ecc[] = {
        {"ECC_nistP256", "nistP256", UA_ServerConfig_addSecurityPolicyEccNistP256},
        {"ECC_nistP256_AesGcm", "nistP256", UA_ServerConfig_addSecurityPolicyEccNistP256AesGcm},
        {"ECC_nistP256_ChaChaPoly", "nistP256", UA_ServerConfig_addSecurityPolicyEccNistP256ChaChaPoly},
        {"ECC_nistP384", "nistP384", UA_ServerConfig_addSecurityPolicyEccNistP384},
        {"ECC_brainpoolP256r1", "brainpoolP256r1", UA_ServerConfig_addSecurityPolicyEccBrainpoolP256r1},
        {"ECC_brainpoolP384r1", "brainpoolP384r1", UA_ServerConfig_addSecurityPolicyEccBrainpoolP384r1},
        {"ECC_curve25519", "curve25519", UA_ServerConfig_addSecurityPolicyEccCurve25519},
        {"ECC_curve448", "curve448", UA_ServerConfig_addSecurityPolicyEccCurve448},
    };
    for(size_t i = 0; eccDir && i < sizeof ecc / sizeof ecc[0]; i++) {
        if(!listed(eccPolicies, ecc[i].policy)) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s/cert.der", eccDir, ecc[i].curve);
        UA_ByteString ec = load(path);
        snprintf(path, sizeof path, "%s/%s/key.der", eccDir, ecc[i].curve);
        UA_ByteString ek = load(path);
        if(!ec.length || !ek.length) { fprintf(stderr, "cannot read %s\n", path); return 2; }
        UA_StatusCode added = ecc[i].add(&cfg, &ec, &ek);
        if(added != UA_STATUSCODE_GOOD) {
            fprintf(stderr, "adding %s: %s\n", ecc[i].policy, UA_StatusCode_name(added));
            return 2;
        }
        UA_ByteString_clear(&ec);
        UA_ByteString_clear(&ek);
    }
    UA_AccessControl_default(&cfg, true, NULL, 0, NULL);
    UA_ServerConfig_addAllEndpoints(&cfg);
    UA_ByteString_clear(&cert);
    UA_ByteString_clear(&key);

    UA_Server *server = UA_Server_newWithConfig(&cfg);
    if(!server) { fprintf(stderr, "UA_Server_newWithConfig failed\n"); return 1; }
    UA_StatusCode rv = UA_Server_run_startup(server);
    if(rv != UA_STATUSCODE_GOOD) { fprintf(stderr, "startup: %s\n", UA_StatusCode_name(rv)); return 1; }
    printf("READY %s\n", url);
    fflush(stdout);
    double end = now_s() + duration;
    while(running && now_s() < end) UA_Server_run_iterate(server, true);
    UA_Server_run_shutdown(server);
    UA_Server_delete(server);
    return 0;
}
