#include "papo/name_spoofing.h"

#include "papo/error.h"
#include "papo/names.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>

#include <memory>
#include <vector>

namespace papo {
namespace {

struct spoof_closer {
    void operator()(USpoofChecker* checker) const { uspoof_close(checker); }
};

// ICU's checkers are safe to share between threads once configured (uspoof.h), so each
// thread uses its own anyway: they are cheap and this keeps it obviously right.
const USpoofChecker& restriction_checker() {
    thread_local std::unique_ptr<USpoofChecker, spoof_closer> checker([] {
        UErrorCode status = U_ZERO_ERROR;
        USpoofChecker* made = uspoof_open(&status);
        uspoof_setChecks(made, USPOOF_RESTRICTION_LEVEL | USPOOF_INVISIBLE | USPOOF_MIXED_NUMBERS, &status);
        uspoof_setRestrictionLevel(made, USPOOF_HIGHLY_RESTRICTIVE);
        if (U_FAILURE(status)) throw error("ICU's spoof checker is not available: " + std::string(u_errorName(status)));
        return made;
    }());
    return *checker;
}

const USpoofChecker& skeleton_checker() {
    thread_local std::unique_ptr<USpoofChecker, spoof_closer> checker([] {
        UErrorCode status = U_ZERO_ERROR;
        USpoofChecker* made = uspoof_open(&status);
        if (U_FAILURE(status)) throw error("ICU's spoof checker is not available: " + std::string(u_errorName(status)));
        return made;
    }());
    return *checker;
}

std::u16string utf16_of(std::string_view text) {
    std::u16string out(text.size() + 1, u'\0');
    int32_t length = 0;
    UErrorCode status = U_ZERO_ERROR;
    u_strFromUTF8(reinterpret_cast<UChar*>(out.data()), static_cast<int32_t>(out.size()), &length, text.data(),
                  static_cast<int32_t>(text.size()), &status);
    if (U_FAILURE(status)) throw error(error_kind::invalid_name, "a name must be valid UTF-8");
    out.resize(static_cast<std::size_t>(length));
    return out;
}

std::string hex_of(UChar32 c) {
    char text[16];
    std::snprintf(text, sizeof text, "U+%04X", static_cast<unsigned>(c));
    return text;
}

}  // namespace

std::optional<std::string> new_name_problem(std::string_view name) {
    if (auto problem = name_problem(name)) return problem;
    const std::u16string text = utf16_of(name);
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2* nfc = unorm2_getNFCInstance(&status);
    if (U_SUCCESS(status) &&
        !unorm2_isNormalized(nfc, reinterpret_cast<const UChar*>(text.data()), static_cast<int32_t>(text.size()), &status))
        return "is not in Unicode normal form C (type it again, or normalize it)";
    std::vector<UChar32> code_points(text.size() + 1);
    int32_t count = 0;
    status = U_ZERO_ERROR;
    u_strToUTF32(code_points.data(), static_cast<int32_t>(code_points.size()), &count,
                 reinterpret_cast<const UChar*>(text.data()), static_cast<int32_t>(text.size()), &status);
    code_points.resize(U_SUCCESS(status) ? static_cast<std::size_t>(count) : 0);
    for (const UChar32 c : code_points) {
        if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) || c == 0x3164 || c == 0x115F || c == 0x1160 ||
            c == 0xFFA0)  // the Hangul fillers show as blanks too
            return "contains an invisible character (" + hex_of(c) + ")";
        if (u_hasBinaryProperty(c, UCHAR_BIDI_CONTROL)) return "contains a text-direction control (" + hex_of(c) + ")";
        if (u_charType(c) == U_UNASSIGNED || u_charType(c) == U_PRIVATE_USE_CHAR)
            return "contains a code point with no character assigned (" + hex_of(c) + ")";
    }
    status = U_ZERO_ERROR;
    const int32_t failed = uspoof_check2(&restriction_checker(), reinterpret_cast<const UChar*>(text.data()),
                                         static_cast<int32_t>(text.size()), nullptr, &status);
    if (U_SUCCESS(status) && failed != 0) {
        if (failed & USPOOF_RESTRICTION_LEVEL) return "mixes letters of different scripts, which lets it pose as another name";
        if (failed & USPOOF_MIXED_NUMBERS) return "mixes digits of different scripts";
        return "contains invisible combining marks";
    }
    if (confusable_key(name).rfind("papo-", 0) == 0)
        return "looks like 'papo-...', which is reserved for papo's own services";
    return std::nullopt;
}

std::string confusable_key(std::string_view name) {
    UErrorCode status = U_ZERO_ERROR;
    const int32_t size = uspoof_getSkeletonUTF8(&skeleton_checker(), 0, name.data(), static_cast<int32_t>(name.size()),
                                                nullptr, 0, &status);
    if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) return name_key(name);
    std::string skeleton(static_cast<std::size_t>(size), '\0');
    status = U_ZERO_ERROR;
    uspoof_getSkeletonUTF8(&skeleton_checker(), 0, name.data(), static_cast<int32_t>(name.size()), skeleton.data(), size,
                           &status);
    if (U_FAILURE(status)) return name_key(name);
    return name_key(skeleton);
}

}  // namespace papo
