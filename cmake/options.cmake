# Build options in one place: warnings, warnings-as-errors (CI), sanitizers.
option(PAPO_BUILD_TESTS "Build the test suite" ON)
option(PAPO_WERROR "Treat warnings as errors" OFF)
option(PAPO_SANITIZE "Build with AddressSanitizer and UBSan" OFF)

add_compile_options(-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
if(PAPO_WERROR)
  add_compile_options(-Werror)
endif()
if(PAPO_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
