#include "papo/server/ejabberd_backend.h"

#include "papo/error.h"
#include "papo/log.h"

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace papo {
namespace {

using json = nlohmann::json;

size_t collect(char* data, size_t size, size_t count, void* into) {
    static_cast<std::string*>(into)->append(data, size * count);
    return size * count;
}

std::string account(const std::string& name, const std::string& host) { return json{{"user", name}, {"host", host}}.dump(); }

}  // namespace

ejabberd_backend::ejabberd_backend(ejabberd_api api, std::vector<std::string> other_urls)
    : api_(std::move(api)), other_urls_(std::move(other_urls)) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

ejabberd_backend::~ejabberd_backend() { curl_global_cleanup(); }

long ejabberd_backend::call(const std::string& command, const std::string& body, std::string& answer) const {
    std::string failures;
    std::vector<std::string> urls{api_.url};
    urls.insert(urls.end(), other_urls_.begin(), other_urls_.end());
    for (const auto& base : urls) {
        std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
        if (!curl) throw error(error_kind::broker_refused, "cannot start an HTTP request to ejabberd");
        const std::string url = base + "/" + command;
        std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(curl_slist_append(nullptr, "Content-Type: application/json"),
                                                                   curl_slist_free_all);
        curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
        curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(curl.get(), CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(curl.get(), CURLOPT_USERNAME, api_.user.c_str());
        curl_easy_setopt(curl.get(), CURLOPT_PASSWORD, api_.password.c_str());
        curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, 2000L);
        curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 10000L);
        curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &answer);
        const CURLcode done = curl_easy_perform(curl.get());
        if (done == CURLE_OK) {
            long status = 0;
            curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
            return status;
        }
        // Only a node that took no request is skipped: one that timed out may have done it.
        failures += (failures.empty() ? "" : "; ") + base + ": " + curl_easy_strerror(done);
        if (done != CURLE_COULDNT_CONNECT) break;
        answer.clear();
    }
    throw error(error_kind::unreachable, "ejabberd's HTTP API: " + failures);
}

void ejabberd_backend::require(const std::string& command, const std::string& body, bool result_code) const {
    std::string answer;
    const long status = call(command, body, answer);
    // Commands that answer a result code (unregister, change_password) say 1 for a
    // failure (and 0, or nothing, for success); others answer a text or a count.
    if (status == 200 && (!result_code || answer != "1")) return;
    throw error(error_kind::broker_refused,
                "ejabberd refused " + command + " (HTTP " + std::to_string(status) + "): " + answer.substr(0, 200));
}

void ejabberd_backend::create_account(const std::string& name, const std::string& password, bool) {
    // A login left by an interrupted removal must not survive: remove it first.
    delete_account(name);
    require("register", json{{"user", name}, {"host", api_.host}, {"password", password}}.dump());
}

void ejabberd_backend::delete_account(const std::string& name) {
    std::string answer;
    if (call("check_account", account(name, api_.host), answer) == 200 && answer == "1") return;  // none: done
    // mod_papo ends the account's connections and sessions on unregister.
    require("unregister", account(name, api_.host), true);
}

void ejabberd_backend::set_password(const std::string& name, const std::string& password) {
    require("change_password", json{{"user", name}, {"host", api_.host}, {"newpass", password}}.dump(), true);
    // ejabberd leaves live connections logged in with the old password: end them.
    require("mqtt_kick_user", account(name, api_.host));
}

void ejabberd_backend::open_queue(const std::string& name, const queue_subscriptions&) {
    // Only a stale session is ended here. ejabberd reaches a user's session only through
    // a login as that user, and a session that moves to the other node within a second of
    // its last use is destroyed (PLATFORM-NOTES), so papo-server, on node 1, making the
    // queue of a user who logs in on node 2 at once would lose it. The queue is made by
    // the user's first login; what comes before waits in papo-server's store, which the
    // first read asks for (users.pending, users.replay).
    wipe_queue(name);
}

std::vector<inbound> ejabberd_backend::repair_queue(const std::string& name, const queue_subscriptions&,
                                                    const std::vector<std::string>&) {
    log_info("ejabberd: " + name + "'s queue is made again by its reader's next login (papo-server cannot log in as " +
             name + ")");
    return {};
}

std::vector<std::string> ejabberd_backend::without_session(const std::vector<std::string>& users) const {
    if (users.empty()) return {};
    std::string answer;
    const long status = call("mqtt_without_session", json{{"users", users}, {"host", api_.host}}.dump(), answer);
    const auto names = json::parse(answer, nullptr, false);
    if (status != 200 || !names.is_array())
        throw error(error_kind::broker_refused,
                    "ejabberd refused mqtt_without_session (HTTP " + std::to_string(status) + "): " + answer.substr(0, 200));
    std::vector<std::string> out;
    for (const auto& n : names)
        if (n.is_string()) out.push_back(n.get<std::string>());
    return out;
}

void ejabberd_backend::wipe_queue(const std::string& name) { require("mqtt_remove_sessions", account(name, api_.host)); }

}  // namespace papo
