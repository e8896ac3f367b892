#pragma once
// papo's full-screen chat (interactive papo on a capable terminal; --plain, TERM=dumb,
// pipes and --json keep the line chat of interactive.cpp).
#include "../context.h"

namespace papo::cli {

// Whether `papo` with no command opens the screen rather than the line chat.
bool screen_wanted(const context& c, bool plain);
int screen_chat(const context& c);

}  // namespace papo::cli
