#pragma once
// Terminal cells of UTF-8 text that is already safe (papo/render.h): how many columns a
// string takes (wcwidth: CJK and most emoji take two, combining marks none), and the
// cutting and wrapping the windows do with it. The locale must be a UTF-8 one
// (terminal.cpp sets it); where wcwidth knows nothing of a character it counts one.
#include <string>
#include <string_view>
#include <vector>

namespace papo::tui {

// The code points of `text`; a byte that starts no valid sequence becomes U+FFFD.
std::u32string decode_utf8(std::string_view text);
std::string encode_utf8(std::u32string_view text);
// Columns one code point takes: 0, 1 or 2.
int cell_width(char32_t c);
int cell_width(std::string_view text);
int cell_width(std::u32string_view text);
// The longest start of `text` that fits in `cells` columns.
std::string cut_to_cells(std::string_view text, int cells);
// `text` cut to `cells`, then padded with spaces to exactly `cells`.
std::string fit_to_cells(std::string_view text, int cells);
// `text` (one line) in rows of at most `cells` columns, cut at a space where one is near,
// else inside a word; a wide character never straddles two rows. Never empty.
std::vector<std::string> wrap_to_cells(std::string_view text, int cells);

}  // namespace papo::tui
