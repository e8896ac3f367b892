// Rewriting a state file whole (papo/state_file.h), on a real temporary folder.
#include "papo/state_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace papo {
namespace {

std::string contents(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

class state_file : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/papo-state-file-XXXXXX";
        dir = ::mkdtemp(pattern);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::string dir;
};

TEST_F(state_file, ReplacesTheWholeFileAndLeavesNothingBeside) {
    const std::string path = dir + "/seen";
    ASSERT_TRUE(replace_file(path, "a\nb\nc\n"));
    ASSERT_TRUE(replace_file(path, "z\n", /*durable=*/true));
    EXPECT_EQ(contents(path), "z\n");
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
    EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);  // message text is private
}

TEST_F(state_file, WhenItCannotWriteItSaysSoAndKeepsTheOldFile) {
    const std::string path = dir + "/held.jsonl";
    ASSERT_TRUE(replace_file(path, "old\n"));
    std::filesystem::create_directory(path + ".tmp");  // the temporary file cannot be made
    EXPECT_FALSE(replace_file(path, "new\n"));
    EXPECT_EQ(contents(path), "old\n");
    EXPECT_FALSE(replace_file(dir + "/no-such-folder/file", "x"));
}

}  // namespace
}  // namespace papo
