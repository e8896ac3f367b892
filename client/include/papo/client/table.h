#pragma once
// Plain-text tables for people: columns padded to their widest cell (by UTF-8 characters);
// cells are shown as safe_text (render.h) shows them.
#include <string>
#include <vector>

namespace papo {
std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
}  // namespace papo
