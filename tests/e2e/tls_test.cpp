// TLS: every program works over the broker's optional TLS listener
// (--broker ssl://HOST:PORT --ca-file CA.crt); a client that does not trust the
// broker's certificate, or speaks plain MQTT to the TLS port, fails fast and cleanly.
#include "chat_fixture.h"
#include "ports.h"

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace papo::e2e {
namespace {

// A refused connection must end well before papo's own connect timeout (5 s).
constexpr auto refused_within = std::chrono::seconds(4);

// The lines that add a TLS listener. Listener options apply to the `listener` line
// above them, so they stay together, after every broker-wide option.
std::vector<std::string> tls_listener(int port, const std::string& certificate, const std::string& key) {
    return {"listener " + std::to_string(port) + " 127.0.0.1", "certfile " + certificate, "keyfile " + key};
}

// The elapsed wall time of `run`.
template <typename F>
std::chrono::milliseconds timed(F&& run) {
    const auto start = std::chrono::steady_clock::now();
    run();
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

// chat_test with the broker's TLS listener added, and papo-server connected through it.
class tls : public chat_test {
protected:
    void SetUp() override {
        tls_dir_ = make_temp_dir("papo-tls");
        make_ca("ca");
        if (HasFatalFailure()) return;
        make_server_certificate("ca", "server", "IP:127.0.0.1,DNS:localhost");
        if (HasFatalFailure()) return;
        // Another process may take the TLS port before mosquitto binds it: pick again.
        std::string failure;
        for (int attempt = 0; attempt < 3 && !broker_; ++attempt) {
            tls_port_ = test::free_loopback_port();
            try {
                broker_ = std::make_unique<mosquitto_broker>(tls_listener(tls_port_, file("server.crt"), file("server.key")));
            } catch (const std::runtime_error& e) {
                failure = e.what();
            }
        }
        ASSERT_TRUE(broker_) << failure;
        // The broker is up once its first listener accepts; the TLS one is bound just after.
        ASSERT_TRUE(wait_until([&] { return test::port_accepts(tls_port_); }, std::chrono::seconds(10)))
            << "the TLS listener is not up on " << tls_port_;
        state_dir_ = make_temp_dir("papo-state");
        start_server_over_tls();
    }

    void TearDown() override {
        chat_test::TearDown();
        remove_tree(tls_dir_);
    }

    std::string tls_uri() const { return "ssl://127.0.0.1:" + std::to_string(tls_port_); }
    std::string file(const std::string& name) const { return tls_dir_ + "/" + name; }

    // papo --broker <uri> [--ca-file <ca>] --state-dir <tmp> --user USER args...
    command_result papo_over(const std::string& uri, const std::string& ca, const std::string& user,
                             std::vector<std::string> args) {
        std::vector<std::string> argv{env_or("PAPO_BIN", PAPO_BIN_DEFAULT), "--broker", uri, "--state-dir", state_dir_,
                                      "--user", user, "--password-file", password_file(user)};
        if (!ca.empty()) argv.insert(argv.end(), {"--ca-file", ca});
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv, 15);
    }
    command_result papo_tls(const std::string& user, std::vector<std::string> args) {
        return papo_over(tls_uri(), file("ca.crt"), user, std::move(args));
    }

    // `papo-admin users add NAME` over TLS, with NAME's password_file (as chat_test::admin).
    void register_users_over_tls(const std::vector<std::string>& names) {
        for (const auto& name : names) {
            const auto result = run_command({env_or("PAPO_ADMIN_BIN", PAPO_ADMIN_BIN_DEFAULT), "--broker", tls_uri(),
                                             "--ca-file", file("ca.crt"), "--password-file",
                                             broker_->password_file("papo-admin"), "users", "add", name,
                                             "--new-password-file", password_file(name)},
                                            15);
            ASSERT_EQ(result.exit_code, 0) << name << ": " << result.err;
        }
    }

    void openssl(std::vector<std::string> args) {
        args.insert(args.begin(), "openssl");
        const auto result = run_command(args, 20);
        ASSERT_EQ(result.exit_code, 0) << "openssl " << args[1] << " failed:\n" << result.err;
    }

    // A throwaway CA (EC P-256, a few days): <name>.crt and <name>.key.
    void make_ca(const std::string& name) {
        openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "3",
                 "-subj", "/CN=papo test CA " + name, "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                 "keyUsage=critical,keyCertSign,cRLSign", "-keyout", file(name + ".key"), "-out", file(name + ".crt")});
    }

    // <name>.crt / <name>.key signed by CA `ca`, for the subjectAltName `san`: TLS
    // clients match the host against the SAN, not the CN.
    void make_server_certificate(const std::string& ca, const std::string& name, const std::string& san) {
        std::ofstream(file(name + ".ext")) << "subjectAltName=" << san << "\n"
                                           << "basicConstraints=CA:FALSE\n"
                                           << "extendedKeyUsage=serverAuth\n";
        const std::string cn = san.substr(san.find(':') + 1, san.find(',') - san.find(':') - 1);
        openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
                 "/CN=" + cn, "-keyout", file(name + ".key"), "-out", file(name + ".csr")});
        if (HasFatalFailure()) return;
        openssl({"x509", "-req", "-in", file(name + ".csr"), "-CA", file(ca + ".crt"), "-CAkey", file(ca + ".key"),
                 "-CAcreateserial", "-days", "3", "-extfile", file(name + ".ext"), "-out", file(name + ".crt")});
    }

    // chat_test::start_server, over TLS.
    void start_server_over_tls() {
        server_ = std::make_unique<background_process>(std::vector<std::string>{
            env_or("PAPO_SERVER_BIN", PAPO_SERVER_BIN_DEFAULT), "--broker", tls_uri(), "--ca-file", file("ca.crt"),
            "--password-file", broker_->password_file("papo-server"), "--state-dir", server_state_dir()});
        for (int i = 0; i < 400; ++i) {
            if (server_->output().find("papo-server serving") != std::string::npos) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        FAIL() << "papo-server did not come up over TLS:\n" << server_->output();
    }

    std::string tls_dir_;
    int tls_port_ = 0;
};

TEST_F(tls, EveryProgramWorksOverTls) {
    // papo-server is connected over TLS (SetUp); papo-admin and papo follow.
    register_users_over_tls({"alice", "bob"});
    const auto sent = papo_tls("alice", {"send", "bob", "hello over TLS"});
    ASSERT_EQ(sent.exit_code, 0) << sent.err;
    const auto read = papo_tls("bob", {"read", "--json"});
    ASSERT_EQ(read.exit_code, 0) << read.err;
    const auto messages = messages_in(read.out);
    ASSERT_EQ(messages.size(), 1u) << read.out;
    EXPECT_EQ(messages[0]["from"], "alice");
    EXPECT_EQ(messages[0]["kind"], "dm");
    EXPECT_EQ(messages[0]["text"], "hello over TLS");
    // Mosquitto logs a TLS client's "New connection" only once its handshake succeeded.
    EXPECT_NE(broker_->log_text().find("on port " + std::to_string(tls_port_) + "."), std::string::npos);
}

TEST_F(tls, AWrongCaIsRefused) {
    register_users_over_tls({"alice", "bob"});
    make_ca("other-ca");
    ASSERT_FALSE(HasFatalFailure());
    command_result sent;
    const auto took = timed([&] { sent = papo_over(tls_uri(), file("other-ca.crt"), "alice", {"send", "bob", "must not arrive"}); });
    EXPECT_FALSE(sent.timed_out);
    EXPECT_NE(sent.exit_code, 0) << sent.out;
    EXPECT_LT(took, refused_within);
    EXPECT_NE(sent.err.find("cannot connect to the broker at " + tls_uri()), std::string::npos) << sent.err;
    // Nothing was delivered: bob, trusting the right CA, finds his inbox empty.
    const auto read = papo_tls("bob", {"read", "--json"});
    ASSERT_EQ(read.exit_code, 0) << read.err;
    EXPECT_TRUE(messages_in(read.out).empty()) << read.out;
}

TEST_F(tls, PlainTcpClientCannotTalkTlsPort) {
    register_users_over_tls({"alice"});
    const std::string plain_uri = "tcp://127.0.0.1:" + std::to_string(tls_port_);
    command_result result;
    const auto took = timed([&] { result = papo_over(plain_uri, "", "alice", {"who"}); });
    EXPECT_FALSE(result.timed_out);
    EXPECT_NE(result.exit_code, 0) << result.out;
    EXPECT_LT(took, refused_within);
    EXPECT_NE(result.err.find("cannot connect to the broker at " + plain_uri), std::string::npos) << result.err;
}

// Disabled until session.cpp turns on Paho's host name check (ssl_options::set_verify(true)):
// today papo accepts any certificate the CA signed, whatever host it names.
TEST_F(tls, ACertificateForAnotherHostIsRefused) {
    make_server_certificate("ca", "elsewhere", "DNS:elsewhere.invalid");
    ASSERT_FALSE(HasFatalFailure());
    const int port = test::free_loopback_port();
    mosquitto_broker elsewhere(tls_listener(port, file("elsewhere.crt"), file("elsewhere.key")),
                               mosquitto_broker::access::open);
    const std::string uri = "ssl://127.0.0.1:" + std::to_string(port);
    command_result result;
    const auto took = timed([&] { result = papo_over(uri, file("ca.crt"), "alice", {"--timeout", "2", "who"}); });
    EXPECT_NE(result.exit_code, 0) << result.out;
    EXPECT_LT(took, refused_within);
    EXPECT_NE(result.err.find("cannot connect to the broker at " + uri), std::string::npos) << result.err;
}

}  // namespace
}  // namespace papo::e2e
