#include "papo/error.h"
#include "papo/messages.h"

#include <gtest/gtest.h>

namespace papo {
namespace {

TEST(messages, ChatMessageRoundTripsThroughJson) {
    const chat_message sent{"id-1", "héllo", "2026-11-24T10:00:00.000Z", 7};
    const auto received = decode<chat_message>(encode(sent));
    EXPECT_EQ(received.id, sent.id);
    EXPECT_EQ(received.text, sent.text);
    EXPECT_EQ(received.sent_at, sent.sent_at);
    EXPECT_EQ(received.seq, sent.seq);
}

TEST(messages, DecodeRefusesBadPayloadsWithAReason) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"not json", "not valid JSON"},
        {"\xff\xfe", "UTF-8"},
        {"[]", "not a JSON object"},
        {R"({"text":"x","sent_at":"t"})", "\"id\""},
        {R"({"id":5,"text":"x","sent_at":"t"})", "wrong type"},
        {R"({"id":"a","text":"x","sent_at":"t","seq":-1})", "wrong type"},
        {std::string(10000, '['), "nested too deeply"},
        {std::string(max_payload_bytes + 1, ' '), "larger than the limit"},
    };
    for (const auto& [payload, reason] : cases) {
        try {
            decode<chat_message>(payload);
            ADD_FAILURE() << "accepted: " << payload.substr(0, 40);
        } catch (const error& e) {
            EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
        }
    }
}

TEST(messages, UnknownFieldsAreIgnored) {
    const auto m = decode<chat_message>(R"({"id":"a","text":"x","sent_at":"t","from":"mallory","extra":{}})");
    EXPECT_EQ(m.text, "x");
}

TEST(messages, MakeMessageRefusesEmptyOversizedAndInvalidText) {
    EXPECT_THROW(make_message(""), error);
    EXPECT_THROW(make_message(std::string(max_text_bytes + 1, 'x')), error);
    EXPECT_THROW(make_message("\xC3\x28"), error);
    const auto a = make_message("hi"), b = make_message("hi");
    EXPECT_NE(a.id, b.id);
    EXPECT_EQ(a.id.size(), 32u);
}

TEST(messages, EncodeRefusesInvalidUtf8InsteadOfCrashing) {
    EXPECT_THROW(encode(nlohmann::json{{"name", "\xC3\x28"}}), error);
}

TEST(messages, RegistryEntriesRoundTrip) {
    const user_record u{"bob", false, "2026-11-24T10:00:00.000Z", {"lobby"}};
    const auto back = decode<user_record>(encode(u));
    EXPECT_EQ(back.name, "bob");
    EXPECT_FALSE(back.is_queue);
    EXPECT_EQ(back.topics, u.topics);
    const auto q = decode<queue_snapshot>(encode(queue_snapshot{"bob", {"a", "b"}}));
    EXPECT_EQ(q.pending.size(), 2u);
}

}  // namespace
}  // namespace papo
