// render.h: whatever comes from the network, what reaches the terminal is valid UTF-8 with
// no controls (but the newline that starts a marked continuation line), no C1 and no bidi controls.
#include "papo/render.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {
void broken(const char* what, const std::string& out) {
    std::fprintf(stderr, "invariant broken: %s in \"%s\"\n", what, out.c_str());
    std::abort();
}

void check(const std::string& out, bool newlines_allowed) {
    for (std::size_t at = 0; at < out.size();) {
        const auto lead = static_cast<unsigned char>(out[at]);
        std::size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
        if (length == 0 || at + length > out.size()) broken("invalid UTF-8", out);
        char32_t c = length == 1 ? lead : lead & (0x7F >> length);
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(out[at + k]);
            if ((next & 0xC0) != 0x80) broken("invalid UTF-8", out);
            c = (c << 6) | (next & 0x3F);
        }
        if (c == '\n') {
            if (!newlines_allowed) broken("a line break", out);
            if (out.compare(at + 1, papo::continuation_marker.size(), papo::continuation_marker) != 0)
                broken("a continuation line without the marker", out);
        } else if (c < 0x20 || c == 0x7F) {
            broken("a control character", out);
        }
        if ((c >= 0x80 && c <= 0x9F) || c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
            (c >= 0x2066 && c <= 0x2069) || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
            broken("a C1, bidi control or invalid code point", out);
        at += length;
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check(papo::safe_text(input), false);
    check(papo::safe_multiline(input), true);
    const std::string time = papo::display_time(input);
    check(time, false);
    if (!papo::is_rfc3339_utc(input) && time != "unknown time") broken("a raw sent_at", time);
    return 0;
}
