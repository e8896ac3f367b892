#include "papo/server/broker_security.h"

#include "papo/credentials.h"
#include "papo/error.h"
#include "papo/topics.h"

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace papo::broker_security {
namespace {

using json = nlohmann::json;

json acl(const char* type, const std::string& topic) {
    return {{"acltype", type}, {"topic", topic}, {"allow", true}, {"priority", 0}};
}

json role(const std::string& name, json acls) { return {{"rolename", name}, {"acls", std::move(acls)}}; }

std::string base64(const unsigned char* bytes, std::size_t size) {
    std::string out(4 * ((size + 2) / 3), '\0');
    const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes, static_cast<int>(size));
    out.resize(static_cast<std::size_t>(written));
    return out;
}

// A client entry as dynsec 2.0 stores it: base64 salt (12 bytes) and base64 of
// PBKDF2-HMAC-SHA512 over 101 iterations (64 bytes).
json stored_client(const std::string& username, const std::string& password, const std::string& role_name) {
    unsigned char salt[12];
    unsigned char hash[64];
    const int iterations = 101;
    if (RAND_bytes(salt, sizeof salt) != 1 ||
        PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt, sizeof salt, iterations,
                          EVP_sha512(), sizeof hash, hash) != 1)
        throw error("cannot hash a password");
    return {{"username", username}, {"password", base64(hash, sizeof hash)}, {"salt", base64(salt, sizeof salt)},
            {"iterations", iterations}, {"roles", json::array({{{"rolename", role_name}}})}};
}

json user_role_acls() {
    return json::array({
        // Sending: papo_guard requires the last level to be the sender's own name.
        acl("publishClientSend", topics::all_inboxes), acl("publishClientSend", topics::all_receipts),
        acl("publishClientSend", topics::all_presence), acl("publishClientSend", topics::all_requests),
        // Reading: papo_guard requires users/<own name>/... and response/<own name>/...
        acl("subscribePattern", topics::all_user_subtrees), acl("subscribePattern", topics::all_responses),
        // The public directory: who exists, which topics exist, who is online.
        acl("subscribePattern", topics::all_presence), acl("subscribePattern", topics::all_registry_users),
        acl("subscribePattern", topics::all_registry_topics),
        // When the broker restarted (clients send their outboxes again).
        acl("subscribePattern", topics::broker_epoch),
        // Whether papo-server is serving (a request to a stopped one fails at once).
        acl("subscribePattern", topics::server_status),
    });
}

json queue_role_acls() {
    return json::array({
        acl("publishClientSend", topics::all_receipts), acl("publishClientSend", topics::all_presence),
        acl("publishClientSend", topics::all_requests), acl("subscribePattern", topics::all_user_subtrees),
        acl("subscribePattern", topics::all_responses), acl("subscribePattern", topics::all_presence),
        acl("subscribePattern", topics::all_registry_users), acl("subscribePattern", topics::all_registry_topics),
        acl("subscribePattern", topics::broker_epoch), acl("subscribePattern", topics::server_status),
    });
}

json admin_role_acls() {
    return json::array({acl("publishClientSend", topics::request(admin_account)),
                        acl("subscribePattern", topics::response_filter(admin_account)),
                        acl("subscribePattern", topics::registry_all), acl("subscribePattern", topics::all_presence),
                        acl("subscribePattern", topics::server_status)});
}

json server_role_acls() {
    json acls = json::array();
    for (const char* topic : {"#", "$CONTROL/dynamic-security/#"}) {
        acls.push_back(acl("publishClientSend", topic));
        acls.push_back(acl("publishClientReceive", topic));
        acls.push_back(acl("subscribePattern", topic));
    }
    return acls;
}

}  // namespace

std::string queue_role_acls_json() { return queue_role_acls().dump(); }

std::string initial_config(const std::string& server_password, const std::string& admin_password) {
    const json config{
        {"defaultACLAccess",
         {{"publishClientSend", false}, {"publishClientReceive", true}, {"subscribe", false}, {"unsubscribe", true}}},
        {"clients", json::array({stored_client(server_account, server_password, "papo-server"),
                                 stored_client(admin_account, admin_password, "papo-admin")})},
        {"groups", json::array()},
        {"roles", json::array({role("papo-server", server_role_acls()), role(admin_role, admin_role_acls()),
                               role(user_role, user_role_acls()), role(queue_role, queue_role_acls())})},
    };
    return config.dump(1, '\t');
}

void bootstrap(const std::string& broker_file, const std::string& secrets_dir) {
    const std::string server_password = random_password(), admin_password = random_password();
    write_secret_file(secrets_dir + "/papo-server.password", server_password);
    write_secret_file(secrets_dir + "/papo-admin.password", admin_password);
    write_secret_file(broker_file, initial_config(server_password, admin_password));
}

}  // namespace papo::broker_security
