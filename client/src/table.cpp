#include "papo/client/table.h"

#include "papo/render.h"

#include <algorithm>

namespace papo {
namespace {
std::size_t display_width(const std::string& text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}
}  // namespace

std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& raw_rows) {
    // Cells hold names from the network: shown (and measured) as render.h shows them.
    std::vector<std::vector<std::string>> rows;
    for (const auto& raw : raw_rows) {
        rows.emplace_back();
        for (const auto& cell : raw) rows.back().push_back(safe_text(cell));
    }
    std::vector<std::size_t> widths(header.size());
    for (std::size_t c = 0; c < header.size(); ++c) widths[c] = display_width(header[c]);
    for (const auto& row : rows)
        for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c) widths[c] = std::max(widths[c], display_width(row[c]));
    std::string text;
    auto add_row = [&](const std::vector<std::string>& row) {
        std::string line;
        for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c) {
            line += row[c];
            if (c + 1 < row.size()) line += std::string(widths[c] - display_width(row[c]) + 2, ' ');
        }
        text += line + "\n";
    };
    add_row(header);
    for (const auto& row : rows) add_row(row);
    return text;
}
}  // namespace papo
