/* open62541 client for the interop run: for each policy and mode, opens a secure channel to
 * --url (UA_Client_connectSecureChannel, no session), calls GetEndpoints on it and disconnects.
 *
 *   open62541_client --url URL --policies A,B --modes Sign,SignAndEncrypt
 *                    --cert C.der --key K.der --uri URI [--ecc DIR] [--renew 1] [--timeout MS]
 *                    [--loglevel N]
 *
 * The RSA policies use --cert and --key; the ECC policies (ECC_nistP256, ECC_nistP384,
 * ECC_nistP256_AesGcm, ECC_nistP256_ChaChaPoly, ECC_brainpoolP256r1, ECC_brainpoolP384r1,
 * ECC_curve25519, ECC_curve448) the certificate of their curve, DIR/<curve>/cert.der and key.der.
 *
 * With --renew 1 the channel is kept until the client has renewed its token by itself (at 75 %
 * of the lifetime the server granted), and GetEndpoints is called again on the renewed channel.
 *
 * Prints "OK <policy> <mode> <n> endpoints" or "FAIL <policy> <mode> <StatusCode>" per
 * combination (None once); exit 0 only if all succeeded. The server certificate is accepted
 * without validation (UA_CertificateGroup_AcceptAll). */
#include <open62541/client.h>
#include <open62541/client_config_default.h>
#include <open62541/plugin/certificategroup_default.h>
#include <open62541/plugin/log_stdout.h>
#include <open62541/plugin/securitypolicy_default.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

typedef UA_StatusCode (*MakePolicy)(UA_SecurityPolicy *, const UA_ByteString, const UA_ByteString,
                                    const UA_Logger *);
typedef UA_StatusCode (*MakeEcc)(UA_SecurityPolicy *, const UA_ApplicationType, const UA_ByteString,
                                 const UA_ByteString, const UA_Logger *);
struct EccDef { const char *policy; const char *curve; MakeEcc make; };
static const struct EccDef ECC[] = {
    {"ECC_nistP256", "nistP256", UA_SecurityPolicy_EccNistP256},
    {"ECC_nistP256_AesGcm", "nistP256", UA_SecurityPolicy_EccNistP256AesGcm},
    {"ECC_nistP256_ChaChaPoly", "nistP256", UA_SecurityPolicy_EccNistP256ChaChaPoly},
    {"ECC_nistP384", "nistP384", UA_SecurityPolicy_EccNistP384},
    {"ECC_brainpoolP256r1", "brainpoolP256r1", UA_SecurityPolicy_EccBrainpoolP256r1},
    {"ECC_brainpoolP384r1", "brainpoolP384r1", UA_SecurityPolicy_EccBrainpoolP384r1},
    {"ECC_curve25519", "curve25519", UA_SecurityPolicy_EccCurve25519},
    {"ECC_curve448", "curve448", UA_SecurityPolicy_EccCurve448},
};
static const struct EccDef *ecc_def(const char *name) {
    for(size_t i = 0; i < sizeof ECC / sizeof ECC[0]; i++)
        if(!strcmp(ECC[i].policy, name)) return &ECC[i];
    return NULL;
}

static MakePolicy policy_fn(const char *name) {
    if(!strcmp(name, "Basic256Sha256")) return UA_SecurityPolicy_Basic256Sha256;
    if(!strcmp(name, "Aes128_Sha256_RsaOaep")) return UA_SecurityPolicy_Aes128Sha256RsaOaep;
    if(!strcmp(name, "Aes256_Sha256_RsaPss")) return UA_SecurityPolicy_Aes256Sha256RsaPss;
    return NULL;
}

static const char *url, *uri, *eccDir;
static UA_ByteString cert, key;
static unsigned timeout = 10000;
static int loglevel = 600;
static int renew = 0;

/* Wraps the stdout logger to notice the client's "renewed" message. */
static UA_Logger *inner;
static int renewed;
static void watch(void *ctx, UA_LogLevel level, UA_LogCategory cat, const char *msg, va_list args) {
    (void)ctx;
    if(strstr(msg, "renewed with a revised lifetime")) renewed = 1;
    inner->log(inner->context, level, cat, msg, args);
}
static void watch_clear(UA_Logger *l) {
    inner->clear(inner);
    UA_free(l);
}

static UA_StatusCode attempt(const char *policy, UA_MessageSecurityMode mode, char *detail, size_t n) {
    UA_ClientConfig cc;
    memset(&cc, 0, sizeof cc);
    inner = UA_Log_Stdout_new((UA_LogLevel)loglevel);
    UA_Logger *logger = (UA_Logger *)UA_calloc(1, sizeof(UA_Logger));
    logger->log = watch;
    logger->clear = watch_clear;
    cc.logging = logger;
    renewed = 0;
    UA_ClientConfig_setDefault(&cc);
    cc.timeout = timeout;
    UA_CertificateGroup_AcceptAll(&cc.certificateVerification);
    /* None (to read the endpoints first) and the policy asked for */
    for(size_t i = 0; i < cc.securityPoliciesSize; i++) cc.securityPolicies[i].clear(&cc.securityPolicies[i]);
    UA_free(cc.securityPolicies);
    cc.securityPolicies = (UA_SecurityPolicy *)UA_calloc(2, sizeof(UA_SecurityPolicy));
    cc.securityPoliciesSize = 0;
    UA_StatusCode rv = UA_SecurityPolicy_None(&cc.securityPolicies[0], cert, cc.logging);
    if(rv == UA_STATUSCODE_GOOD) cc.securityPoliciesSize = 1;
    MakePolicy make = policy_fn(policy);
    const struct EccDef *ecc = ecc_def(policy);
    if(make) {
        rv = make(&cc.securityPolicies[1], cert, key, cc.logging);
        if(rv != UA_STATUSCODE_GOOD) { UA_ClientConfig_clear(&cc); return rv; }
        cc.securityPoliciesSize = 2;
    } else if(ecc && eccDir) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s/cert.der", eccDir, ecc->curve);
        UA_ByteString ec = load(path);
        snprintf(path, sizeof path, "%s/%s/key.der", eccDir, ecc->curve);
        UA_ByteString ek = load(path);
        rv = ec.length && ek.length ? ecc->make(&cc.securityPolicies[1], UA_APPLICATIONTYPE_CLIENT, ec, ek, cc.logging)
                                    : UA_STATUSCODE_BADCERTIFICATEINVALID;
        UA_ByteString_clear(&ec);
        UA_ByteString_clear(&ek);
        if(rv != UA_STATUSCODE_GOOD) {
            snprintf(detail, n, "no client certificate for %s in %s", policy, eccDir);
            UA_ClientConfig_clear(&cc);
            return rv;
        }
        cc.securityPoliciesSize = 2;
    } else if(strcmp(policy, "None")) {
        UA_ClientConfig_clear(&cc);
        return UA_STATUSCODE_BADSECURITYPOLICYREJECTED;
    }
    UA_String_clear(&cc.clientDescription.applicationUri);
    cc.clientDescription.applicationUri = UA_STRING_ALLOC(uri);
    cc.securityMode = mode;
    char puri[200];
    snprintf(puri, sizeof puri, "http://opcfoundation.org/UA/SecurityPolicy#%s", policy);
    UA_String_clear(&cc.securityPolicyUri);
    cc.securityPolicyUri = UA_STRING_ALLOC(puri);

    UA_Client *client = UA_Client_newWithConfig(&cc);
    rv = UA_Client_connectSecureChannel(client, url);
    if(rv == UA_STATUSCODE_GOOD) {
        /* the channel must be the one asked for, not the None one used for discovery */
        UA_String got = UA_STRING_NULL;
        UA_MessageSecurityMode gotMode = UA_MESSAGESECURITYMODE_INVALID;
        UA_Variant v;
        if(UA_Client_getConnectionAttribute(client, UA_QUALIFIEDNAME(0, "securityPolicyUri"), &v) == UA_STATUSCODE_GOOD)
            got = *(UA_String *)v.data;
        if(UA_Client_getConnectionAttribute(client, UA_QUALIFIEDNAME(0, "securityMode"), &v) == UA_STATUSCODE_GOOD)
            gotMode = *(UA_MessageSecurityMode *)v.data;
        UA_String want = UA_STRING(puri);
        if(!UA_String_equal(&got, &want) || gotMode != mode) {
            snprintf(detail, n, "channel opened with %.*s mode %d", (int)got.length, (const char *)got.data, (int)gotMode);
            rv = UA_STATUSCODE_BADSECURITYPOLICYREJECTED;
        }
    }
    if(rv == UA_STATUSCODE_GOOD) {
        size_t count = 0;
        UA_EndpointDescription *eps = NULL;
        rv = UA_Client_getEndpoints(client, url, &count, &eps);
        if(rv == UA_STATUSCODE_GOOD) snprintf(detail, n, "%zu endpoints", count);
        UA_Array_delete(eps, count, &UA_TYPES[UA_TYPES_ENDPOINTDESCRIPTION]);
    }
    if(rv == UA_STATUSCODE_GOOD && renew) {
        for(int i = 0; i < 200 && !renewed && rv == UA_STATUSCODE_GOOD; i++) rv = UA_Client_run_iterate(client, 50);
        if(rv == UA_STATUSCODE_GOOD && !renewed) {
            snprintf(detail, n, "no renewal within 10 s");
            rv = UA_STATUSCODE_BADTIMEOUT;
        }
        if(rv == UA_STATUSCODE_GOOD) {
            size_t count = 0;
            UA_EndpointDescription *eps = NULL;
            rv = UA_Client_getEndpoints(client, url, &count, &eps);
            if(rv == UA_STATUSCODE_GOOD) snprintf(detail, n, "%zu endpoints, renewed", count);
            UA_Array_delete(eps, count, &UA_TYPES[UA_TYPES_ENDPOINTDESCRIPTION]);
        }
    }
    UA_Client_disconnect(client);
    UA_Client_delete(client);
    return rv;
}

int main(int argc, char **argv) {
    const char *policies = NULL, *modes = "Sign,SignAndEncrypt", *certPath = NULL, *keyPath = NULL;
    for(int i = 1; i + 1 < argc; i += 2) {
        if(!strcmp(argv[i], "--url")) url = argv[i + 1];
        else if(!strcmp(argv[i], "--policies")) policies = argv[i + 1];
        else if(!strcmp(argv[i], "--modes")) modes = argv[i + 1];
        else if(!strcmp(argv[i], "--cert")) certPath = argv[i + 1];
        else if(!strcmp(argv[i], "--key")) keyPath = argv[i + 1];
        else if(!strcmp(argv[i], "--uri")) uri = argv[i + 1];
        else if(!strcmp(argv[i], "--ecc")) eccDir = argv[i + 1];
        else if(!strcmp(argv[i], "--renew")) renew = atoi(argv[i + 1]);
        else if(!strcmp(argv[i], "--timeout")) timeout = (unsigned)atoi(argv[i + 1]);
        else if(!strcmp(argv[i], "--loglevel")) loglevel = atoi(argv[i + 1]);
        else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
    }
    if(!url || !policies || !certPath || !keyPath || !uri) {
        fprintf(stderr, "--url, --policies, --cert, --key and --uri are required\n");
        return 2;
    }
    cert = load(certPath);
    key = load(keyPath);
    if(!cert.length || !key.length) { fprintf(stderr, "cannot read the certificate or key\n"); return 2; }
    int all_ok = 1;
    char plist[1024];
    snprintf(plist, sizeof plist, "%s", policies);
    for(char *save1 = NULL, *p = strtok_r(plist, ",", &save1); p; p = strtok_r(NULL, ",", &save1)) {
        char mlist[256];
        snprintf(mlist, sizeof mlist, "%s", strcmp(p, "None") ? modes : "None");
        for(char *save2 = NULL, *m = strtok_r(mlist, ",", &save2); m; m = strtok_r(NULL, ",", &save2)) {
            UA_MessageSecurityMode sm = !strcmp(m, "None") ? UA_MESSAGESECURITYMODE_NONE :
                                        !strcmp(m, "Sign") ? UA_MESSAGESECURITYMODE_SIGN :
                                        UA_MESSAGESECURITYMODE_SIGNANDENCRYPT;
            char detail[300] = "";
            UA_StatusCode rv = attempt(p, sm, detail, sizeof detail);
            if(rv == UA_STATUSCODE_GOOD) printf("OK %s %s %s\n", p, m, detail);
            else printf("FAIL %s %s %s %s\n", p, m, UA_StatusCode_name(rv), detail);
            fflush(stdout);
            all_ok &= rv == UA_STATUSCODE_GOOD;
        }
    }
    UA_ByteString_clear(&cert);
    UA_ByteString_clear(&key);
    return all_ok ? 0 : 1;
}
