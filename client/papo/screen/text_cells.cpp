#include "text_cells.h"

#include <cwchar>

namespace papo::tui {

std::u32string decode_utf8(std::string_view text) {
    std::u32string out;
    for (std::size_t at = 0; at < text.size();) {
        const auto lead = static_cast<unsigned char>(text[at]);
        std::size_t length = lead < 0x80 ? 1 : lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
        char32_t c = length == 1 ? lead : length == 2 ? lead & 0x1F : length == 3 ? lead & 0x0F : lead & 0x07;
        bool valid = length != 0 && at + length <= text.size();
        for (std::size_t k = 1; valid && k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[at + k]);
            valid = (next & 0xC0) == 0x80;
            c = (c << 6) | (next & 0x3F);
        }
        if (!valid) {
            out += U'\uFFFD';
            ++at;
            continue;
        }
        out += c;
        at += length;
    }
    return out;
}

std::string encode_utf8(std::u32string_view text) {
    std::string out;
    for (const char32_t c : text) {
        if (c < 0x80) out += static_cast<char>(c);
        else if (c < 0x800) out += static_cast<char>(0xC0 | (c >> 6)), out += static_cast<char>(0x80 | (c & 0x3F));
        else if (c < 0x10000)
            out += static_cast<char>(0xE0 | (c >> 12)), out += static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
                out += static_cast<char>(0x80 | (c & 0x3F));
        else
            out += static_cast<char>(0xF0 | (c >> 18)), out += static_cast<char>(0x80 | ((c >> 12) & 0x3F)),
                out += static_cast<char>(0x80 | ((c >> 6) & 0x3F)), out += static_cast<char>(0x80 | (c & 0x3F));
    }
    return out;
}

int cell_width(char32_t c) {
    if (c < 0x7F) return c < 0x20 ? 0 : 1;
    const int w = ::wcwidth(static_cast<wchar_t>(c));
    return w < 0 ? 1 : w > 2 ? 2 : w;
}

int cell_width(std::u32string_view text) {
    int cells = 0;
    for (const char32_t c : text) cells += cell_width(c);
    return cells;
}

int cell_width(std::string_view text) { return cell_width(decode_utf8(text)); }

std::string cut_to_cells(std::string_view text, int cells) {
    std::u32string kept;
    int used = 0;
    for (const char32_t c : decode_utf8(text)) {
        const int w = cell_width(c);
        if (used + w > cells) break;
        kept += c;
        used += w;
    }
    return encode_utf8(kept);
}

std::string fit_to_cells(std::string_view text, int cells) {
    std::string cut = cut_to_cells(text, cells);
    const int used = cell_width(cut);
    if (used < cells) cut.append(static_cast<std::size_t>(cells - used), ' ');
    return cut;
}

std::vector<std::string> wrap_to_cells(std::string_view text, int cells) {
    if (cells < 2) cells = 2;  // room for one wide character
    std::vector<std::string> rows;
    std::u32string row;
    int used = 0;
    for (const char32_t c : decode_utf8(text)) {
        const int w = cell_width(c);
        if (used + w > cells) {
            // Back to the last space when it is in the second half of the row.
            const auto space = row.find_last_of(U' ');
            std::u32string rest;
            if (space != std::u32string::npos && cell_width(std::u32string_view(row).substr(0, space)) > cells / 2) {
                rest = row.substr(space + 1);
                row.resize(space);
            }
            rows.push_back(encode_utf8(row));
            row = rest;
            used = cell_width(row);
        }
        row += c;
        used += w;
    }
    rows.push_back(encode_utf8(row));
    return rows;
}

}  // namespace papo::tui
