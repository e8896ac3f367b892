#pragma once
// The Unicode rules a NEW name must also pass (Unicode UTS #39, through ICU), so that no
// user, queue or topic can be made to look like another one or like papo's own
// services. Only papo-server applies them, when it creates a name: names made before
// these rules keep working everywhere (names.h says what any name must be).
#include <optional>
#include <string>
#include <string_view>

namespace papo {

// Why `name`, valid by name_problem(), cannot be given to something new: not in
// Unicode Normalization Form C; an invisible, default-ignorable, bidi-control or
// unassigned code point; letters of several scripts (beyond the usual mixes such as
// Japanese; ICU's "highly restrictive" level); or it looks like "papo-...". nullopt when fine.
std::optional<std::string> new_name_problem(std::string_view name);

// The key under which look-alikes collide: the UTS #39 confusable skeleton, ASCII
// lower-cased. "аlice" (Cyrillic а), "ａｌｉｃｅ" and "ALICE" all have alice's key.
std::string confusable_key(std::string_view name);

}  // namespace papo
