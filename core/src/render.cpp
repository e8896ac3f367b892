#include "papo/render.h"

#include "papo/clock.h"

#include <cstdio>

namespace papo {
namespace {

void append_byte_escape(std::string& out, unsigned char byte) {
    char text[8];
    std::snprintf(text, sizeof text, "\\x%02x", byte);
    out += text;
}

void append_code_point_escape(std::string& out, char32_t code_point) {
    char text[16];
    std::snprintf(text, sizeof text, "\\u{%04X}", static_cast<unsigned>(code_point));
    out += text;
}

bool is_bidi_or_separator(char32_t c) {
    return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) ||
           c == 0x2028 || c == 0x2029;
}

// The length of the valid UTF-8 sequence at text[at] and its code point, or 0 when the
// byte there starts none (overlong forms, surrogates and values past U+10FFFF included).
std::size_t utf8_sequence(std::string_view text, std::size_t at, char32_t& code_point) {
    const auto lead = static_cast<unsigned char>(text[at]);
    std::size_t length;
    char32_t minimum;
    if (lead < 0x80) return code_point = lead, 1;
    if (lead >= 0xC2 && lead <= 0xDF) length = 2, minimum = 0x80, code_point = lead & 0x1F;
    else if (lead >= 0xE0 && lead <= 0xEF) length = 3, minimum = 0x800, code_point = lead & 0x0F;
    else if (lead >= 0xF0 && lead <= 0xF4) length = 4, minimum = 0x10000, code_point = lead & 0x07;
    else return 0;
    if (at + length > text.size()) return 0;
    for (std::size_t k = 1; k < length; ++k) {
        const auto next = static_cast<unsigned char>(text[at + k]);
        if ((next & 0xC0) != 0x80) return 0;
        code_point = (code_point << 6) | (next & 0x3F);
    }
    if (code_point < minimum || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) return 0;
    return length;
}

// Appends text made safe; line breaks are escaped.
void append_safe(std::string& out, std::string_view text) {
    for (std::size_t at = 0; at < text.size();) {
        char32_t c = 0;
        const std::size_t length = utf8_sequence(text, at, c);
        if (length == 0) {
            append_byte_escape(out, static_cast<unsigned char>(text[at++]));
            continue;
        }
        if (c == '\t') out += "\\t";
        else if (c == '\r') out += "\\r";
        else if (c == '\n') out += "\\n";
        else if (c < 0x20 || c == 0x7F) append_byte_escape(out, static_cast<unsigned char>(c));
        else if ((c >= 0x80 && c <= 0x9F) || is_bidi_or_separator(c)) append_code_point_escape(out, c);
        else out.append(text.substr(at, length));
        at += length;
    }
}

bool digits(std::string_view text, std::size_t at, std::size_t count, int& value) {
    value = 0;
    for (std::size_t k = at; k < at + count; ++k) {
        if (k >= text.size() || text[k] < '0' || text[k] > '9') return false;
        value = value * 10 + (text[k] - '0');
    }
    return true;
}

}  // namespace

std::string safe_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    append_safe(out, text);
    return out;
}

std::string safe_multiline(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t start = 0;;) {
        const std::size_t newline = text.find('\n', start);
        std::string_view line = text.substr(start, newline == std::string_view::npos ? std::string_view::npos : newline - start);
        if (newline != std::string_view::npos && !line.empty() && line.back() == '\r') line.remove_suffix(1);  // CR LF
        append_safe(out, line);
        if (newline == std::string_view::npos) return out;
        out += '\n';
        out += continuation_marker;
        start = newline + 1;
    }
}

bool is_rfc3339_utc(std::string_view t) {
    int year, month, day, hour, minute, second;
    if (!digits(t, 0, 4, year) || t.size() < 20 || t[4] != '-' || !digits(t, 5, 2, month) || t[7] != '-' ||
        !digits(t, 8, 2, day) || t[10] != 'T' || !digits(t, 11, 2, hour) || t[13] != ':' || !digits(t, 14, 2, minute) ||
        t[16] != ':' || !digits(t, 17, 2, second))
        return false;
    std::size_t at = 19;
    if (t[at] == '.') {
        const std::size_t first = ++at;
        while (at < t.size() && t[at] >= '0' && t[at] <= '9') ++at;
        if (at == first || at - first > 9) return false;
    }
    if (at + 1 != t.size() || t[at] != 'Z') return false;
    static const int days_in_month[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month >= 1 && month <= 12 && day >= 1 && day <= days_in_month[month - 1] && hour <= 23 && minute <= 59 &&
           second <= 60;
}

std::string display_time(std::string_view sent_at) {
    if (!is_rfc3339_utc(sent_at)) return "unknown time";
    return local_time_for_display(std::string(sent_at));
}

}  // namespace papo
