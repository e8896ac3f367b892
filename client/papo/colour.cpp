// When papo's lines for people get colour (context.h: colour_wanted).
#include "context.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace papo::cli {

std::optional<bool> colour_wanted(const std::string& when, bool json) {
    if (when != "auto" && when != "always" && when != "never") return std::nullopt;
    if (json || when == "never") return false;
    if (when == "always") return true;  // the command line wins over NO_COLOR, as no-color.org asks
    const char* no_colour = std::getenv("NO_COLOR");
    if (no_colour && *no_colour) return false;
    const char* term = std::getenv("TERM");
    if (!term || !*term || std::strcmp(term, "dumb") == 0) return false;
    return isatty(STDOUT_FILENO) == 1;
}

}  // namespace papo::cli
