// Rewriting a state file whole (papo/state_file.h), on a real temporary folder.
#include "papo/state_file.h"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <csignal>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <unistd.h>

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
    for (const auto& beside : std::filesystem::directory_iterator(dir))  // no temporary file left
        EXPECT_EQ(beside.path().filename(), "seen");
    EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);  // message text is private
}

TEST_F(state_file, WhenItCannotWriteItSaysSoAndKeepsTheOldFile) {
    const std::string path = dir + "/held.jsonl";
    ASSERT_TRUE(replace_file(path, "old\n"));
    {
        // A full disk: files may grow to 2 bytes only, so the write comes up short and
        // the retry fails (EFBIG; SIGXFSZ ignored meanwhile).
        const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit before{};
        ::getrlimit(RLIMIT_FSIZE, &before);
        rlimit tiny = before;
        tiny.rlim_cur = 2;
        ::setrlimit(RLIMIT_FSIZE, &tiny);
        const bool replaced = replace_file(path, "new and longer\n");
        ::setrlimit(RLIMIT_FSIZE, &before);
        std::signal(SIGXFSZ, old_handler);
        EXPECT_FALSE(replaced);
    }
    EXPECT_EQ(contents(path), "old\n");
    for (const auto& beside : std::filesystem::directory_iterator(dir))  // the short temporary file is gone
        EXPECT_EQ(beside.path().filename(), "held.jsonl");
    EXPECT_FALSE(replace_file(dir + "/no-such-folder/file", "x"));
}

TEST_F(state_file, RetriesShortWritesUntilEverythingIsWritten) {
    int pipe_ends[2];
    ASSERT_EQ(::pipe(pipe_ends), 0);
    const std::string text(200000, 'x');  // more than a pipe takes at once: short writes
    std::string read_back;
    std::thread drain([&] {
        char buffer[4096];
        for (ssize_t n; (n = ::read(pipe_ends[0], buffer, sizeof buffer)) > 0;) read_back.append(buffer, static_cast<std::size_t>(n));
    });
    EXPECT_TRUE(write_all(pipe_ends[1], text));
    ::close(pipe_ends[1]);
    drain.join();
    ::close(pipe_ends[0]);
    EXPECT_EQ(read_back.size(), text.size());
}

}  // namespace
}  // namespace papo
