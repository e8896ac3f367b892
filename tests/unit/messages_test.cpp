// Payloads (messages.h): each type's JSON, and decode's refusal of anything else.
#include "papo/error.h"
#include "papo/messages.h"
#include "papo/names.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace papo {
namespace {

// The reason decode gives for `payload`, or "" when it accepted it.
template <typename T>
std::string refusal(const std::string& payload, std::size_t limit = max_payload_bytes) {
    try {
        decode<T>(payload, limit);
        return "";
    } catch (const error& e) {
        return e.what();
    }
}

const std::string valid_message = R"({"id":"a","text":"x","sent_at":"2026-11-24T10:00:00.000Z"})";

TEST(messages, ChatMessageRoundTripsThroughJson) {
    const chat_message sent{"id-1", "h\xC3\xA9llo \"quoted\"\n\xF0\x9F\x98\x80", "2026-11-24T10:00:00.000Z", 7, std::nullopt, ""};
    const auto received = decode<chat_message>(encode(sent));
    EXPECT_EQ(received.id, sent.id);
    EXPECT_EQ(received.text, sent.text);
    EXPECT_EQ(received.sent_at, sent.sent_at);
    EXPECT_EQ(received.seq, sent.seq);
}

TEST(messages, ChatMessageWithoutSeqHasNoSeqField) {
    const chat_message sent{"id-1", "hi", "2026-11-24T10:00:00.000Z", std::nullopt, std::nullopt, ""};
    const auto json = nlohmann::json::parse(encode(sent));
    EXPECT_EQ(json.size(), 3u) << json.dump();
    EXPECT_FALSE(json.contains("seq"));
    EXPECT_FALSE(json.contains("from"));  // the sender is the topic's last level
    EXPECT_EQ(decode<chat_message>(encode(sent)).seq, std::nullopt);
}

TEST(messages, LargestSeqSurvivesTheRoundTrip) {
    const chat_message sent{"id-1", "hi", "t", UINT64_MAX, UINT64_MAX, "0123456789abcdef"};
    const auto got = decode<chat_message>(encode(sent));
    EXPECT_EQ(got.seq, UINT64_MAX);
    EXPECT_EQ(got.through, UINT64_MAX);
    EXPECT_EQ(got.series, "0123456789abcdef");
}

TEST(messages, ASeriesMustBeAPlainShortWord) {
    const std::string start = R"({"id":"a","text":"hi","sent_at":"t","seq":1,"series":)";
    EXPECT_EQ(refusal<chat_message>(start + R"("abc-DEF_123"})"), "");
    for (const std::string& bad : std::vector<std::string>{R"("")", R"("a b")", R"("a
b")", R"("a/b")", R"(7)",
                                   "\"" + std::string(33, 'a') + "\""})
        EXPECT_NE(refusal<chat_message>(start + bad + "}"), "") << bad;
    EXPECT_NE(refusal<chat_message>(R"({"id":"a","text":"hi","sent_at":"t","through":-1})"), "");
}

TEST(messages, DecodeRefusesMalformedJson) {
    for (const std::string& bad :
         std::vector<std::string>{"", "not json", "{", R"({"id":"a")", R"({"id":"a",})", "{'id':'a'}",
                                  valid_message + "}", valid_message + " x", "\"just a string\""})
        EXPECT_NE(refusal<chat_message>(bad), "") << "accepted: " << bad;
    EXPECT_NE(refusal<chat_message>("not json").find("not valid JSON"), std::string::npos);
}

TEST(messages, DecodeRefusesNonUtf8Payloads) {
    const auto with_text = [](const std::string& text) {
        return std::string(R"({"id":"a","text":")") + text + R"(","sent_at":"t"})";
    };
    for (const std::string& bad :
         std::vector<std::string>{std::string("\xff\xfe"), with_text("\xC3\x28"), with_text("\xC0\xAF"),
                                  with_text("\xED\xA0\x80"), with_text("ok\xF8\x88\x80\x80\x80")}) {
        const std::string reason = refusal<chat_message>(bad);
        EXPECT_NE(reason.find("UTF-8"), std::string::npos) << "'" << bad << "' -> '" << reason << "'";
    }
}

TEST(messages, DecodeRefusesOversizedPayloadsAtTheLimit) {
    std::string at_limit = valid_message;
    at_limit.resize(max_payload_bytes, ' ');  // trailing whitespace is still valid JSON
    EXPECT_EQ(refusal<chat_message>(at_limit), "");
    const std::string reason = refusal<chat_message>(at_limit + " ");
    EXPECT_NE(reason.find("larger than the limit"), std::string::npos) << reason;
    // A larger limit, as used for registry snapshots.
    EXPECT_EQ(refusal<chat_message>(at_limit + " ", max_payload_bytes + 1), "");
}

TEST(messages, DeepNestingIsRefusedWithoutCrashing) {
    for (const std::string& deep : std::vector<std::string>{std::string(10000, '['), std::string(60000, '{'),
                                                            [] {
                                                                std::string s;
                                                                for (int i = 0; i < 5000; ++i) s += "{\"a\":";
                                                                return s;
                                                            }(),
                                                            std::string(1000, '[') + std::string(1000, ']')}) {
        EXPECT_NE(refusal<chat_message>(deep).find("nested too deeply"), std::string::npos) << deep.substr(0, 20);
        EXPECT_NE(refusal<nlohmann::json>(deep).find("nested too deeply"), std::string::npos) << deep.substr(0, 20);
    }
}

TEST(messages, ModestNestingAndBracketsInsideStringsAreFine) {
    EXPECT_EQ(refusal<nlohmann::json>(std::string(32, '[') + std::string(32, ']')), "");
    EXPECT_NE(refusal<nlohmann::json>(std::string(33, '[') + std::string(33, ']')), "");
    // Brackets in text are characters, not nesting; so are escaped quotes before them.
    const std::string text = std::string(5000, '[') + "\\\"" + std::string(5000, '{');
    const auto m = decode<chat_message>(R"({"id":"a","text":")" + text + R"(","sent_at":"t"})");
    EXPECT_EQ(m.text.size(), 10001u);
}

TEST(messages, DecodeRefusesMissingFieldsNamingThem) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {R"({"text":"x","sent_at":"t"})", "\"id\""},
        {R"({"id":"a","sent_at":"t"})", "\"text\""},
        {R"({"id":"a","text":"x"})", "\"sent_at\""},
        {"{}", "\"id\""},
    };
    for (const auto& [payload, field] : cases) {
        const std::string reason = refusal<chat_message>(payload);
        EXPECT_NE(reason.find("no " + field), std::string::npos) << payload << " -> " << reason;
    }
}

TEST(messages, DecodeRefusesWrongTypes) {
    for (const std::string& bad : std::vector<std::string>{
             "[]", "null", "5", "true", R"({"id":5,"text":"x","sent_at":"t"})",
             R"({"id":"a","text":["x"],"sent_at":"t"})", R"({"id":"a","text":"x","sent_at":null})",
             R"({"id":"a","text":{},"sent_at":"t"})", R"({"id":"a","text":"x","sent_at":"t","seq":"1"})",
             R"({"id":"a","text":"x","sent_at":"t","seq":-1})", R"({"id":"a","text":"x","sent_at":"t","seq":1.5})",
             R"({"id":"a","text":"x","sent_at":"t","seq":null})"}) {
        const std::string reason = refusal<chat_message>(bad);
        EXPECT_NE(reason, "") << "accepted: " << bad;
        EXPECT_TRUE(reason.find("wrong type") != std::string::npos ||
                    reason.find("not a JSON object") != std::string::npos)
            << bad << " -> " << reason;
    }
}

TEST(messages, DecodeRefusesIdsAndTextsOutsideTheLimits) {
    EXPECT_NE(refusal<chat_message>(R"({"id":"","text":"x","sent_at":"t"})"), "");
    EXPECT_NE(refusal<chat_message>(R"({"id":")" + std::string(65, 'a') + R"(","text":"x","sent_at":"t"})"), "");
    EXPECT_EQ(refusal<chat_message>(R"({"id":")" + std::string(64, 'a') + R"(","text":"x","sent_at":"t"})"), "");
    const std::string long_text(max_text_bytes + 1, 'x');
    EXPECT_NE(refusal<chat_message>(R"({"id":"a","text":")" + long_text + R"(","sent_at":"t"})")
                  .find("longer than the limit"),
              std::string::npos);
}

TEST(messages, UnknownFieldsAreIgnored) {
    const auto m = decode<chat_message>(R"({"id":"a","text":"x","sent_at":"t","from":"mallory","extra":{}})");
    EXPECT_EQ(m.text, "x");
}

TEST(messages, OtherPayloadsRoundTrip) {
    EXPECT_EQ(decode<receipt>(encode(receipt{{"a", "b"}})).ids, (std::vector<std::string>{"a", "b"}));
    const auto online = decode<presence>(encode(presence{true, "2026-11-24T10:00:00.000Z"}));
    EXPECT_TRUE(online.online);
    EXPECT_EQ(online.since, "2026-11-24T10:00:00.000Z");
    EXPECT_FALSE(decode<presence>(encode(presence{false, "t"})).online);
    const auto topic = decode<topic_record>(encode(topic_record{"lobby", "t"}));
    EXPECT_EQ(topic.name, "lobby");
    EXPECT_EQ(topic.created_at, "t");
}

TEST(messages, PayloadsOfTheWrongShapeAreRefused) {
    EXPECT_NE(refusal<presence>(R"({"status":"away"})"), "");
    EXPECT_NE(refusal<presence>(R"({"status":true})"), "");
    EXPECT_NE(refusal<receipt>(R"({"ids":"a"})"), "");
    EXPECT_NE(refusal<receipt>(R"({"ids":[1,2]})"), "");
    EXPECT_NE(refusal<user_record>(R"({"name":"bob","created_at":"t"})"), "");
    EXPECT_NE(refusal<queue_snapshot>(R"({"name":"bob","pending":[1]})", max_snapshot_bytes), "");
    // Not a whole number: refused, not converted (1e76 does not fit; the fuzzer found it).
    for (const char* messages : {"1.1111e76", "-1", "2.5", "\"3\""})
        EXPECT_NE(refusal<queue_snapshot>(std::string(R"({"name":"bob","pending":["a"],"messages":)") + messages + "}",
                                          max_snapshot_bytes),
                  "")
            << messages;
}

TEST(messages, RegistryEntriesRoundTrip) {
    const user_record user{"bob", false, "2026-11-24T10:00:00.000Z", {"lobby", "jos\xC3\xA9"}};
    const auto back = decode<user_record>(encode(user));
    EXPECT_EQ(back.name, "bob");
    EXPECT_FALSE(back.is_queue);
    EXPECT_EQ(back.created_at, user.created_at);
    EXPECT_EQ(back.topics, user.topics);
    EXPECT_EQ(nlohmann::json::parse(encode(user))["kind"], "user");

    const user_record queue{"alerts", true, "t", {}};
    EXPECT_TRUE(decode<user_record>(encode(queue)).is_queue);
    EXPECT_EQ(nlohmann::json::parse(encode(queue))["kind"], "queue");

    const auto q = decode<queue_snapshot>(encode(queue_snapshot{"bob", {"a", "b"}}));
    EXPECT_EQ(q.name, "bob");
    EXPECT_EQ(q.pending, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(nlohmann::json::parse(encode(queue_snapshot{"bob", {"a", "b"}}))["messages"], 2);
}

TEST(messages, QueueSnapshotsCarrySendersBytesAndFull) {
    queue_snapshot q{"bob", {}, 3};
    q.pending_from = {{"alice", {"x1", "a2"}}, {"mallory", {"x1"}}};
    q.bytes = 412;
    q.full = true;
    const auto j = nlohmann::json::parse(encode(q));
    EXPECT_EQ(j["messages"], 3);
    EXPECT_EQ(j["bytes"], 412);
    EXPECT_EQ(j["full"], true);
    EXPECT_EQ(j["pending"], nlohmann::json::array());
    EXPECT_EQ(j["pending_from"]["mallory"], nlohmann::json::array({"x1"}));
    const auto back = decode<queue_snapshot>(encode(q));
    EXPECT_EQ(back.pending_from, q.pending_from);
    EXPECT_EQ(back.bytes, 412u);
    EXPECT_TRUE(back.full);
    EXPECT_EQ(back.listed(), 3u);
}

TEST(messages, OldQueueSnapshotsAreStillRead) {
    const auto old = decode<queue_snapshot>(R"({"name":"bob","messages":2,"pending":["a","b"]})");
    EXPECT_EQ(old.pending, (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(old.pending_from.empty());
    EXPECT_EQ(old.bytes, 0u);
    EXPECT_FALSE(old.full);
    EXPECT_NE(refusal<queue_snapshot>(R"({"name":"bob","pending":[],"pending_from":{"papo-x":["a"]}})"), "");
    EXPECT_NE(refusal<queue_snapshot>(R"({"name":"bob","pending":[],"pending_from":{"alice":"a"}})"), "");
    EXPECT_NE(refusal<queue_snapshot>(R"({"name":"bob","pending":[],"bytes":-1})"), "");
    EXPECT_NE(refusal<queue_snapshot>(R"({"name":"bob","pending":[],"full":"yes"})"), "");
}

TEST(messages, LargeSnapshotsNeedTheSnapshotLimit) {
    queue_snapshot deep{"bob", {}};
    for (int i = 0; i < 5000; ++i) deep.pending.push_back(std::string(32, 'a') + std::to_string(i));
    const std::string payload = encode(deep);
    ASSERT_GT(payload.size(), max_payload_bytes);
    EXPECT_NE(refusal<queue_snapshot>(payload), "");
    EXPECT_EQ(decode<queue_snapshot>(payload, max_snapshot_bytes).pending.size(), 5000u);
}

TEST(messages, MakeMessageRefusesEmptyOversizedAndInvalidText) {
    for (const std::string& bad :
         std::vector<std::string>{std::string(), std::string(max_text_bytes + 1, 'x'), std::string("\xC3\x28"),
                                  std::string("\xC0\xAF"), std::string("\xED\xA0\x80"), std::string("ok\xFF")})
        EXPECT_THROW(make_message(bad), error) << bad.size() << " bytes";
    try {
        make_message(std::string(max_text_bytes + 1, 'x'));
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("longer than the limit"), std::string::npos) << e.what();
    }
}

TEST(messages, MakeMessageAcceptsTextUpToTheLimit) {
    const auto m = make_message(std::string(max_text_bytes, 'x'), 42);
    EXPECT_EQ(m.text.size(), max_text_bytes);
    EXPECT_EQ(m.seq, 42u);
    EXPECT_NO_THROW(decode<chat_message>(encode(m)));
}

TEST(messages, MadeMessagesHaveFreshIdsAndAUtcTimestamp) {
    std::set<std::string> ids;
    for (int i = 0; i < 1000; ++i) ids.insert(make_message("hi").id);
    EXPECT_EQ(ids.size(), 1000u);
    const auto m = make_message("hi");
    EXPECT_TRUE(std::regex_match(m.id, std::regex("[0-9a-f]{32}"))) << m.id;
    EXPECT_TRUE(std::regex_match(m.sent_at, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"))) << m.sent_at;
    EXPECT_EQ(m.seq, std::nullopt);
}

TEST(messages, EncodeRefusesInvalidUtf8InsteadOfCrashing) {
    EXPECT_THROW(encode(nlohmann::json{{"name", "\xC3\x28"}}), error);
    EXPECT_THROW(encode(chat_message{"a", "\xC0\xAF", "t", std::nullopt, std::nullopt, ""}), error);
}

}  // namespace
}  // namespace papo

namespace papo {
namespace {

// Found by fuzz/messages_fuzzer and fuzz/server_core_fuzzer: nlohmann's own exceptions
// escaped decode(), and papo-server's request handler catches papo::error only.
TEST(decode_regressions, HugeNumbersAndWrongTypesAreAPapoError) {
    EXPECT_THROW(decode<nlohmann::json>(R"({"command":"users.ls","page":1e999})"), error);
    EXPECT_THROW(decode<presence>(R"({"status":"online","since":5})"), error);
    EXPECT_THROW(decode<chat_message>(R"({"id":7,"text":"x","sent_at":"2026-11-26T10:00:00.000Z"})"), error);
}

// decode<chat_message> reads the text with SAX events (no document); the document's
// from_json is the reference. Both must give the same message or the same refusal.
std::string by_sax(const std::string& payload) {
    try {
        const auto m = decode<chat_message>(payload);
        return "ok " + m.id + "|" + m.text + "|" + m.sent_at + "|" + (m.seq ? std::to_string(*m.seq) : "-") + "|" +
               (m.through ? std::to_string(*m.through) : "-") + "|" + m.series;
    } catch (const error& e) {
        return std::string("refused: ") + e.what();
    }
}

std::string by_document(const std::string& payload) {
    if (!is_valid_utf8(payload)) return by_sax(payload);  // refused before either reads it
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(payload);
    } catch (const nlohmann::json::exception& e) {
        return std::string("refused: payload is not valid JSON: ") + e.what();
    }
    try {
        const auto m = j.get<chat_message>();
        return "ok " + m.id + "|" + m.text + "|" + m.sent_at + "|" + (m.seq ? std::to_string(*m.seq) : "-") + "|" +
               (m.through ? std::to_string(*m.through) : "-") + "|" + m.series;
    } catch (const error& e) {
        return std::string("refused: ") + e.what();
    } catch (const nlohmann::json::exception& e) {
        return std::string("refused: payload does not have the expected fields: ") + e.what();
    }
}

TEST(messages, ReadingAChatMessageWithoutADocumentAnswersAsTheDocumentDoes) {
    const std::vector<std::string> cases{
        valid_message,
        R"({"id":"a","text":"x","sent_at":"t","seq":7,"through":3,"series":"s-1"})",
        R"({"id":"a","id":"b","text":"x","sent_at":"t"})",                 // a later duplicate wins
        R"({"id":"a","text":"x","sent_at":"t","extra":{"id":5,"text":[1,{"seq":"z"}]}})",
        R"({"id":"a","text":"x","sent_at":"t","seq":-1})", R"({"id":"a","text":"x","sent_at":"t","seq":1.5})",
        R"({"id":"a","text":"x","sent_at":"t","seq":1e999})", R"({"id":"a","text":"x","sent_at":"t","seq":null})",
        R"({"id":"a","text":"x","sent_at":"t","seq":18446744073709551615})",
        R"({"id":"a","text":"x","sent_at":"t","seq":18446744073709551616})",
        R"({"id":"a","text":"x","sent_at":"t","series":""})", R"({"id":"a","text":"x","sent_at":"t","series":"a b"})",
        R"({"id":"a","text":"x","sent_at":"t","series":7})", R"({"id":"","text":"x","sent_at":"t"})",
        R"({"id":7,"text":"x","sent_at":"t"})", R"({"id":["a"],"text":"x","sent_at":"t"})", R"({"text":"x","sent_at":"t"})",
        R"({"id":"a","sent_at":"t"})", R"({"id":"a","text":"x"})", R"({"id":"a","text":{"b":1},"sent_at":"t"})",
        R"(["id","a"])", R"("just a string")", R"(42)", R"(null)", R"({})", R"({"id":"a","text":"x","sent_at":"t"} trailing)",
        R"({"id":"a","text":"x","sent_at":"t",})", R"({"id":"a\u0000b","text":"x\ud83d\ude00","sent_at":"t"})",
        R"({"id":"a","text":"\ud800","sent_at":"t"})", "", " ", "{", R"({"id":"a","text":"x","sent_at":"t"}{})",
        R"({"id":"a","text":")" + std::string(max_text_bytes + 1, 'x') + R"(","sent_at":"t"})",
        R"({"id":")" + std::string(65, 'i') + R"(","text":"x","sent_at":"t"})",
        "{\"id\":\"a\",\"text\":\"x\",\"sent_at\":\"t\"/*c*/}"};
    for (const auto& c : cases) EXPECT_EQ(by_sax(c), by_document(c)) << c;
    // And every one-character change of a full message (bounded: a few thousand).
    const std::string base = R"({"id":"a1","text":"hi \"you\"","sent_at":"t","seq":12,"through":4,"series":"s"})";
    const std::string alphabet = "{}[]\":,0-1e.ax\\ nt";
    int compared = 0;
    for (std::size_t at = 0; at < base.size(); ++at)
        for (const char c : alphabet) {
            std::string changed = base;
            changed[at] = c;
            EXPECT_EQ(by_sax(changed), by_document(changed)) << changed;
            std::string removed = base;
            removed.erase(at, 1);
            EXPECT_EQ(by_sax(removed), by_document(removed)) << removed;
            compared += 2;
        }
    EXPECT_GT(compared, 2000);
}

}  // namespace
}  // namespace papo
