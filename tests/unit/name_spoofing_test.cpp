// New names cannot pose as existing ones or as papo's services (issue: 20 of 20
// look-alikes were accepted, many shown exactly as "alice").
#include "papo/name_spoofing.h"
#include "papo/server/server_core.h"

#include <gtest/gtest.h>

namespace papo {
namespace {

server_plan add(server_core& core, const std::string& command, const std::string& name) {
    auto plan = core.handle(admin_name, {{"command", command}, {"name", name}, {"password", "a-good-password"}});
    core.commit(plan);
    return plan;
}

TEST(name_spoofing, InvisibleDirectionAndUnassignedCodePointsAreRefused) {
    for (const char* name : {"alice\u200D", "al\u200Cice", "alice\u2060", "ali\u00ADce", "alice\u034F", "alice\uFE0F",
                             "\u202Eecila", "alice\U000E0041", "\u3164", "ali\u3164ce", "alice\u061C", "\U000E0001x",
                             "alice\U0003FFFD", "alice\uE000"}) {
        const auto problem = new_name_problem(name);
        EXPECT_TRUE(problem.has_value()) << name;
    }
}

TEST(name_spoofing, NamesMustBeNfc) {
    EXPECT_FALSE(new_name_problem("jos\u00E9").has_value());  // é, composed
    const auto decomposed = new_name_problem("jose\u0301");
    ASSERT_TRUE(decomposed.has_value());
    EXPECT_NE(decomposed->find("normal form"), std::string::npos) << *decomposed;
}

TEST(name_spoofing, MixedScriptsAreRefusedUsualOnesAreNot) {
    EXPECT_TRUE(new_name_problem("\u0430lice").has_value());   // Cyrillic а + Latin
    EXPECT_TRUE(new_name_problem("p\u0430ypal").has_value());
    for (const char* fine : {"alice", "bob-2", "jos\u00E9", "\u0430\u043B\u0438\u0441\u0430" /* алиса */,
                             "\u5C71\u7530\u305F\u308D\u3046" /* 山田たろう */, "\u00FCber_user", "carol.smith",
                             "\u03B1\u03B8\u03B7\u03BD\u03AC" /* αθηνά */})
        EXPECT_FALSE(new_name_problem(fine).has_value()) << fine << ": " << new_name_problem(fine).value_or("");
}

TEST(name_spoofing, LookAlikesOfPapoServicesAreRefused) {
    for (const char* name : {"papo\u2010admin", "pap\u043E-admin", "\uFF50\uFF41\uFF50\uFF4F-x"}) {
        EXPECT_TRUE(new_name_problem(name).has_value()) << name;
    }
}

TEST(name_spoofing, ALookAlikeOfAnExistingNameIsTaken) {
    server_core core;
    ASSERT_TRUE(add(core, "users.add", "alice").accepted());
    ASSERT_TRUE(add(core, "topics.add", "lobby").accepted());
    for (const char* alike : {"\uFF41\uFF4C\uFF49\uFF43\uFF45" /* fullwidth */, "ALICE", "aIice", "a1ice", "\u0430lice"}) {
        const auto plan = add(core, "users.add", alike);
        EXPECT_FALSE(plan.accepted()) << alike;
        EXPECT_TRUE(plan.response.value("code", "") == "name-taken" || plan.response.value("code", "") == "invalid-name")
            << alike << ": " << plan.response.dump();
    }
    const auto queue = add(core, "queues.add", "\uFF41lice");
    EXPECT_FALSE(queue.accepted());
    const auto topic = add(core, "topics.add", "l0bby");
    EXPECT_FALSE(topic.accepted()) << topic.response.dump();
    EXPECT_EQ(topic.response.value("code", ""), "name-taken");
    EXPECT_EQ(core.state().users().size(), 1u);
    EXPECT_EQ(confusable_key("\u0430lice"), confusable_key("alice"));
    EXPECT_NE(confusable_key("alice"), confusable_key("alicia"));
    // Different names still come in.
    EXPECT_TRUE(add(core, "users.add", "alicia").accepted());
    EXPECT_TRUE(add(core, "users.add", "bob").accepted());
}

TEST(name_spoofing, NamesFromBeforeTheRuleKeepWorking) {
    server_core core;
    // Loaded from the registry: a look-alike pair and a mixed-script name made earlier.
    core.load_user({"alice", false, "2026-11-24T10:00:00.000Z", {}});
    core.load_user({"\u0430lice", false, "2026-11-24T10:00:00.000Z", {}});
    const auto info = core.handle("alice", {{"command", "users.info"}, {"name", "\u0430lice"}});
    EXPECT_TRUE(info.accepted()) << info.response.dump();
    auto removed = core.handle(admin_name, {{"command", "users.rm"}, {"name", "\u0430lice"}});
    ASSERT_TRUE(removed.accepted());
    core.commit(removed);
    EXPECT_NE(core.state().find_user("alice"), nullptr);
    EXPECT_FALSE(add(core, "users.add", "\u0430lice").accepted());  // alice is still there
}

}  // namespace
}  // namespace papo
