#include "papo/names.h"

#include "papo/error.h"

#include <algorithm>
#include <cstdint>

namespace papo {
namespace {

// Decodes one UTF-8 sequence at text[i]; returns its length, or 0 when malformed.
std::size_t decode_utf8(std::string_view text, std::size_t i, std::uint32_t& code_point) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    std::size_t length = 0;
    std::uint32_t minimum = 0;
    if (lead < 0x80) {
        code_point = lead;
        return 1;
    } else if ((lead & 0xE0) == 0xC0) {
        length = 2, code_point = lead & 0x1Fu, minimum = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3, code_point = lead & 0x0Fu, minimum = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4, code_point = lead & 0x07u, minimum = 0x10000;
    } else {
        return 0;
    }
    if (i + length > text.size()) return 0;
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        code_point = (code_point << 6) | (byte(i + k) & 0x3Fu);
    }
    if (code_point < minimum || code_point > 0x10FFFF) return 0;
    if (code_point >= 0xD800 && code_point <= 0xDFFF) return 0;
    return length;
}

bool is_whitespace(std::uint32_t c) {
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200B) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

bool is_control(std::uint32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

}  // namespace

bool is_valid_utf8(std::string_view text) {
    std::uint32_t code_point = 0;
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t length = decode_utf8(text, i, code_point);
        if (length == 0) return false;
        i += length;
    }
    return true;
}

std::optional<std::string> name_problem(std::string_view name) {
    if (name.empty()) return "is empty";
    if (name.size() > max_name_bytes)
        return "is too long (" + std::to_string(name.size()) + " bytes, at most " +
               std::to_string(max_name_bytes) + ")";
    if (!is_valid_utf8(name)) return "is not valid UTF-8";
    if (name_key(name.substr(0, 5)) == "papo-") return "starts with 'papo-', which is reserved for papo's own services";
    if (name == "." || name == "..") return "is reserved";
    std::uint32_t c = 0;
    for (std::size_t i = 0; i < name.size();) {
        i += decode_utf8(name, i, c);
        if (c == '/' || c == '+' || c == '#' || c == '$')
            return std::string("contains '") + static_cast<char>(c) +
                   "' (an MQTT topic separator, wildcard or system prefix)";
        if (c == '~') return "contains '~', which papo reserves for client ids";
        if (is_control(c)) return "contains a control character";
        if (is_whitespace(c)) return "contains whitespace";
    }
    return std::nullopt;
}

void require_valid_name(std::string_view name, std::string_view what) {
    if (auto problem = name_problem(name)) {
        // Cut at a character boundary, so a long Unicode name is still shown readably.
        std::size_t cut = std::min<std::size_t>(name.size(), 40);
        while (cut > 0 && cut < name.size() && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
        std::string shown(name.substr(0, cut));
        if (!is_valid_utf8(shown)) shown = "<not UTF-8>";
        throw error(error_kind::invalid_name, "invalid " + std::string(what) + " name '" + shown +
                    (cut < name.size() ? "...'" : "'") + ": " + *problem);
    }
}

std::string name_key(std::string_view name) {
    std::string key(name);
    for (char& ch : key)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return key;
}

}  // namespace papo
