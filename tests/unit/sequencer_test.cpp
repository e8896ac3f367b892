// The reader's decisions (sequencer.h) with no broker, no files and no clock: repeats
// per sender, order and hold-back per numbering, late and missing marks, joins.
#include "papo/client/sequencer.h"

#include <gtest/gtest.h>

namespace papo {
namespace {

using namespace std::chrono_literals;
const sequencer::clock::time_point t0{std::chrono::hours(500000)};

message_view dm(const std::string& from, const std::string& id, std::optional<std::uint64_t> seq = std::nullopt,
                const std::string& series = "") {
    message_view v;
    v.direct = true;
    v.from = from;
    v.to = "me";
    v.id = id;
    v.text = "text of " + id;
    v.seq = seq;
    v.series = series;
    return v;
}

message_view post(const std::string& from, const std::string& topic, const std::string& id, std::uint64_t seq) {
    message_view v = dm(from, id, seq);
    v.direct = false;
    v.to.clear();
    v.topic = topic;
    return v;
}

std::vector<std::string> ids(const sequencer_result& r) {
    std::vector<std::string> out;
    for (const auto& v : r.views()) out.push_back(v.id);
    return out;
}

TEST(sequencer, ARepeatIsOnlyARepeatAmongTheSameSendersMessages) {
    sequencer s;
    EXPECT_EQ(ids(s.offer(dm("alice", "x"), t0)), std::vector<std::string>{"x"});
    const auto again = s.offer(dm("alice", "x"), t0);
    EXPECT_EQ(again.shown(), 0u);
    ASSERT_EQ(again.steps.size(), 1u);
    EXPECT_EQ(again.steps[0].what, sequencer_step::kind::acknowledge);  // acknowledged again
    // mallory reusing alice's id neither hides her own message nor is taken for alice's
    EXPECT_EQ(ids(s.offer(dm("mallory", "x"), t0)), std::vector<std::string>{"x"});
    EXPECT_TRUE(s.has_seen("alice", "x"));
    EXPECT_FALSE(s.has_seen("bob", "x"));
    EXPECT_TRUE(s.has_seen_id("x"));
}

TEST(sequencer, BareIdsOfAnOlderSeenFileCountForAnySender) {
    sequencer s;
    s.restore_seen("old-id");
    s.restore_seen(sequencer::seen_word("alice", "new-id"));
    EXPECT_EQ(s.offer(dm("bob", "old-id"), t0).shown(), 0u);
    EXPECT_EQ(s.offer(dm("alice", "new-id"), t0).shown(), 0u);
    EXPECT_EQ(s.offer(dm("bob", "new-id"), t0).shown(), 1u);
}

TEST(sequencer, InOrderMessagesShowAtOnceAndRecordTheirNumber) {
    sequencer s;
    const auto first = s.offer(dm("alice", "a", 1), t0);
    ASSERT_EQ(first.steps.size(), 2u);
    EXPECT_EQ(first.steps[1].what, sequencer_step::kind::record);
    EXPECT_EQ(first.steps[1].record.key, (numbering_key{"alice", "", ""}));
    EXPECT_EQ(first.steps[1].record.n, 1u);
    EXPECT_EQ(ids(s.offer(dm("alice", "b", 2), t0)), std::vector<std::string>{"b"});
    EXPECT_EQ(s.numbers().last_shown.at({"alice", "", ""}), 2u);
}

TEST(sequencer, AMessageThatOvertookAnEarlierOneWaitsForItThenBothShowInOrder) {
    sequencer s;
    s.offer(dm("alice", "a", 1), t0);
    const auto early = s.offer(dm("alice", "c", 3), t0);
    EXPECT_EQ(early.shown(), 0u);
    EXPECT_TRUE(early.held_changed);
    EXPECT_EQ(s.held(), 1u);
    const auto filled = s.offer(dm("alice", "b", 2), t0 + 1s);
    EXPECT_EQ(ids(filled), (std::vector<std::string>{"b", "c"}));
    EXPECT_TRUE(filled.held_changed);
    EXPECT_EQ(s.held(), 0u);
    for (const auto& v : filled.views()) EXPECT_EQ(v.missing_before, 0u);
}

TEST(sequencer, TheHoldEndsAtTheLimitByThePassedClockAndMarksTheGap) {
    sequencer s;
    s.set_hold_limit(10s);
    s.offer(dm("alice", "a", 1), t0);
    s.offer(dm("alice", "d", 4), t0);
    EXPECT_EQ(s.tick(t0 + 9s).shown(), 0u);
    const auto released = s.tick(t0 + 10s);
    ASSERT_EQ(released.shown(), 1u);
    EXPECT_EQ(released.views()[0].id, "d");
    EXPECT_EQ(released.views()[0].missing_before, 2u);
    // the missing ones come later: shown, marked late
    const auto late = s.offer(dm("alice", "b", 2), t0 + 11s);
    ASSERT_EQ(late.shown(), 1u);
    EXPECT_TRUE(late.views()[0].late);
}

TEST(sequencer, NoHoldLimitShowsAGapAtOnce) {
    sequencer s;
    s.set_hold_limit(0ms);
    s.offer(dm("alice", "a", 1), t0);
    const auto jump = s.offer(dm("alice", "c", 3), t0);
    ASSERT_EQ(jump.shown(), 1u);
    EXPECT_EQ(jump.views()[0].missing_before, 1u);
}

TEST(sequencer, EachSenderSeriesAndTopicNumbersOnItsOwn) {
    sequencer s;
    s.offer(dm("alice", "a1", 1), t0);
    EXPECT_EQ(s.offer(dm("bob", "b1", 1), t0).shown(), 1u);
    EXPECT_EQ(s.offer(dm("alice", "n1", 1, "new-outbox"), t0).shown(), 1u);  // a new series starts over
    EXPECT_EQ(s.offer(post("alice", "lobby", "p1", 1), t0).shown(), 1u);
    EXPECT_EQ(s.offer(dm("alice", "a2", 2), t0).shown(), 1u);
    EXPECT_EQ(s.held(), 0u);
}

TEST(sequencer, ThroughStartsTheNumbersWhereTheSenderKnowsWeConfirmed) {
    sequencer s;
    auto first = dm("alice", "x", 8);
    first.through = 6;  // 7 is missing
    EXPECT_EQ(s.offer(first, t0).shown(), 0u);
    EXPECT_EQ(s.held(), 1u);
    auto seven = dm("alice", "w", 7);
    seven.through = 6;
    EXPECT_EQ(ids(s.offer(seven, t0)), (std::vector<std::string>{"w", "x"}));
}

TEST(sequencer, JoiningWithNumbersHidesOlderPostsAndWaitsForGapsAfterIt) {
    sequencer s;
    const auto joined = s.joined_topic("lobby", nlohmann::json{{"alice", 5u}, {"bob/s1", 2u}});
    EXPECT_TRUE(s.numbers().numbered_topics.count("lobby"));
    EXPECT_EQ(s.numbers().before_join.at({"bob", "lobby", "s1"}), 2u);
    EXPECT_FALSE(joined.steps.empty());
    const auto old = s.offer(post("alice", "lobby", "old", 5), t0);  // made before we joined
    EXPECT_EQ(old.shown(), 0u);
    EXPECT_EQ(old.steps.at(0).what, sequencer_step::kind::acknowledge);
    EXPECT_EQ(s.offer(post("alice", "lobby", "new", 6), t0).shown(), 1u);
    // carol posted nothing before: her 2 waits for her 1
    EXPECT_EQ(s.offer(post("carol", "lobby", "c2", 2), t0).shown(), 0u);
    EXPECT_EQ(ids(s.offer(post("carol", "lobby", "c1", 1), t0)), (std::vector<std::string>{"c1", "c2"}));
}

TEST(sequencer, LeavingATopicForgetsItsNumbersAndShowsWhatWasHeldThere) {
    sequencer s;
    s.offer(post("alice", "lobby", "p1", 1), t0);
    s.offer(post("alice", "lobby", "p3", 3), t0);
    s.offer(dm("alice", "d1", 1), t0);
    EXPECT_EQ(s.held(), 1u);
    const auto left = s.forget_numbers_of_topic("lobby");
    EXPECT_EQ(ids(left), std::vector<std::string>{"p3"});
    EXPECT_EQ(s.held(), 0u);
    EXPECT_TRUE(s.numbers().last_shown.count({"alice", "", ""}));  // DMs untouched
    bool forgot = false;
    for (const auto& step : left.steps)
        forgot |= step.what == sequencer_step::kind::record && step.record.n == 0 && step.record.key.topic == "lobby";
    EXPECT_TRUE(forgot);
}

TEST(sequencer, ACopyOfAHeldMessageIsNotHeldTwice) {
    sequencer s;
    s.offer(dm("alice", "a", 1), t0);
    s.offer(dm("alice", "c", 3), t0);
    s.offer(dm("alice", "c", 3), t0);
    EXPECT_EQ(s.held(), 1u);
    EXPECT_EQ(ids(s.offer(dm("alice", "b", 2), t0)), (std::vector<std::string>{"b", "c"}));
}

TEST(sequencer, RestoredHeldMessagesKeepTheirWaitAcrossRuns) {
    sequencer s;
    s.set_hold_limit(10s);
    s.restore({number_record::kind::last_shown, {"alice", "", ""}, 1});
    s.restore_held(dm("alice", "c", 3), t0);
    s.restore_seen(sequencer::seen_word("alice", "shown-before"));
    s.restore_held(dm("alice", "shown-before", 4), t0);  // shown already: not held again
    EXPECT_EQ(s.held(), 1u);
    EXPECT_EQ(s.tick(t0 + 10s).shown(), 1u);
}

TEST(seq_from, WritesOneFormatAndStillReadsTheOldOne) {
    const number_record post_record{number_record::kind::before_join, {"alice", "lobby", "s1"}, 4};
    const auto line = seq_from_line(post_record);
    const auto back = parse_seq_from_line(line);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->what, number_record::kind::before_join);
    EXPECT_EQ(back->key, post_record.key);
    EXPECT_EQ(back->n, 4u);

    const auto legacy = parse_seq_from_line("alice#lobby/s1 7");
    ASSERT_TRUE(legacy);
    EXPECT_EQ(legacy->key, (numbering_key{"alice", "lobby", "s1"}));
    EXPECT_EQ(legacy->n, 7u);
    EXPECT_EQ(parse_seq_from_line("bob/s2 3")->key, (numbering_key{"bob", "", "s2"}));
    EXPECT_EQ(parse_seq_from_line("carol 2")->key, (numbering_key{"carol", "", ""}));
    EXPECT_EQ(parse_seq_from_line("^alice#lobby 2")->what, number_record::kind::before_join);
    const auto topic = parse_seq_from_line("@lobby 1");
    EXPECT_EQ(topic->what, number_record::kind::numbered_topic);
    EXPECT_EQ(topic->key.topic, "lobby");
    EXPECT_FALSE(parse_seq_from_line("{\"from\":\"torn"));
    EXPECT_FALSE(parse_seq_from_line(""));
}

TEST(seq_from, FoldingForgetsOnZeroAndKeepsTheHighestOtherwise) {
    numbers_memory m;
    for (const char* line : {"alice 3", "alice 2", "alice#lobby 4", "@lobby 1", "alice#lobby 0", "@lobby 0"})
        m.apply(*parse_seq_from_line(line));
    EXPECT_EQ(m.last_shown.at({"alice", "", ""}), 3u);
    EXPECT_FALSE(m.last_shown.count({"alice", "lobby", ""}));
    EXPECT_TRUE(m.numbered_topics.empty());
    numbers_memory again;
    for (const auto& r : m.records()) again.apply(*parse_seq_from_line(seq_from_line(r)));
    EXPECT_EQ(again.last_shown, m.last_shown);
}

}  // namespace
}  // namespace papo
